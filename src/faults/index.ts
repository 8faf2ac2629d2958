/**
 * The fault surface of the harness. Scenarios and the runner name kinds and call these; nothing
 * else talks to Toxiproxy or to mock-idp's fault API directly.
 */
export {
  applyFault,
  checkFaultSpec,
  getFaultKind,
  listFaultKinds,
  registerFaultKind,
  validateFaultSpec,
  validateFaultSpecs,
} from './registry.ts';
export type { ValidationScope } from './registry.ts';
export { registerBuiltinFaultKinds } from './kinds/index.ts';
export { DEFAULT_HTTP_TTL_MS, HTTP_TTL_GRACE_MS, MAX_HTTP_TTL_MS } from './kinds/http-common.ts';
export {
  DEFAULT_REVERT_TIMEOUT_MS,
  FaultLedger,
  RUN_PROXY_PREFIX,
  runProxyName,
  sweepStaleProxies,
} from './ledger.ts';
export type { FaultLedgerOptions, LedgerEvent, RollbackReport, RollbackStep } from './ledger.ts';
export { holdFaults } from './hold.ts';
export type { HoldOptions } from './hold.ts';
export { connectIdpFaults } from './idp-admin.ts';
export type { IdpAdminOptions } from './idp-admin.ts';
export type {
  ActiveFault,
  ApplySteps,
  FaultContext,
  FaultFamily,
  FaultKind,
  FaultSpec,
  HttpTarget,
  IdpFaultsApi,
  ResolvedEnvelope,
  RunProxy,
  ValidFault,
} from './types.ts';
