/** Public API of the HTTP fault plan (see docs/mock-idp-faults-and-metrics.md). */
export { createFaultPlan, parseFaultSpec } from './fault-plan.ts';
export type { FaultEvent, FaultPlan, FaultPlanOptions } from './fault-plan.ts';
export { faultClient } from './client.ts';
export type { FaultClient } from './client.ts';
export { DEFAULT_FAULT_TTL_MS, MAX_FAULT_TTL_MS, faultSpecSchema } from './types.ts';
export type { FaultKindName, FaultRecord, FaultSpec, ResolvedFaultSpec } from './types.ts';
export { FAULT_KINDS, getFaultKind } from './kinds/index.ts';
