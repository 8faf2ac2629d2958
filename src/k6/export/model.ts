/**
 * Everything one exported script says, as plain data, from the config and a planned scenario
 * (durations resolved from the SUT profile and scaled by the run's time scale, kinds the SUT
 * cannot be judged on left out — exactly what `keystorm run` would play).
 */
import { DEFAULT_ISSUERS } from '../../../mock-idp/issuer.ts';
import type { FullConfig } from '../../config/types.ts';
import { compileTemplate } from '../../load/request-template.ts';
import type { RequestTemplateInput } from '../../load/request-template.ts';
import type { ActionInput } from '../../scenario/define.ts';
import { isFaultItem } from '../../scenario/define.ts';
import type { ScenarioPlan } from '../../scenario/plan.ts';
import { parseDuration } from '../../util/duration.ts';
import { k6Duration, toK6Scenarios } from './executors.ts';
import type { K6Scenario } from './executors.ts';
import { scriptMixes } from './kinds.ts';
import type { ScriptKind } from './kinds.ts';
import { toThresholds } from './thresholds.ts';
import type { ThresholdPlan } from './thresholds.ts';

/** Where a k6 run sends requests when the config names no fixed SUT URL (a spawned SUT's port is random). */
export const DEFAULT_TARGET_URL = 'http://127.0.0.1:8080';
/** mock-idp ports a k6 run assumes when the config lets mock-idp pick free ones. */
export const DEFAULT_IDP_PORT = 4000;
export const DEFAULT_IDP_ADMIN_PORT = 4001;

/** A moment the simulated clients renew their tokens (spread over `spreadMs` when jittered). */
export interface Renewal {
  atMs: number;
  spreadMs: number;
}

export interface ExportModel {
  scenario: string;
  hypothesis: string;
  timeScale: number;
  targetUrl: string;
  providerUrl: string;
  adminUrl: string;
  route: { method: string; path: string; headers: Record<string, string>; body?: string };
  /** Lower-case names of the route's headers filled from claims (sent wrong by omit/mismatch kinds). */
  claimHeaders: string[];
  clientsPerIssuer: number;
  /** Scopes a login asks for per issuer (mock-idp's template scopes for the issuers it knows). */
  loginScopes: Record<string, string[]>;
  tokenLifetimeS: number;
  /** Deadline of one request, as k6 writes durations. */
  requestTimeout: string;
  scenarios: K6Scenario[];
  mixes: Record<string, ScriptKind[]>;
  thresholds: ThresholdPlan;
  /** Forced refreshes and token expiries of the timeline. */
  renewals: Renewal[];
  /** Offsets after which minted tokens are minted again (keys, clock or claims changed). */
  remintAtMs: number[];
  omittedKinds: { kind: string; reason: string }[];
  /** Faults and actions keystorm plays on the same timeline (the script cannot). */
  timeline: string[];
}

/** Actions after which keystorm re-mints its minted tokens (src/scenario/actions.ts). */
const REMINTING: ReadonlySet<ActionInput['kind']> = new Set([
  'rotate-keys',
  'misrotate',
  'activate-next-key',
  'revoke-active-key',
  'set-clock',
  'set-claims',
  'force-refresh',
]);

export function buildModel(config: FullConfig, plan: ScenarioPlan): ExportModel {
  const { scenario } = plan;
  const route: RequestTemplateInput = config.sut?.request ?? { method: 'GET', path: '/' };
  const template = compileTemplate(route, 'sut.request');
  const scenarios = toK6Scenarios(plan.phases, {
    maxVUs: scenario.load.connections ?? config.load.connections,
    requestTimeoutMs: config.load.requestTimeout,
  });
  const defaultIssuer = config.idp.issuers[0]?.name ?? 'gitlab';
  return {
    scenario: scenario.name,
    hypothesis: scenario.hypothesis,
    timeScale: plan.timeScale,
    targetUrl: config.sut?.mode === 'attach' ? config.sut.url : (config.sut?.url ?? DEFAULT_TARGET_URL),
    providerUrl: providerUrl(config),
    adminUrl: `http://127.0.0.1:${config.idp.adminPort || DEFAULT_IDP_ADMIN_PORT}`,
    route: {
      method: template.method,
      path: route.path,
      headers: { ...(route.headers ?? {}) },
      ...(route.body === undefined ? {} : { body: route.body }),
    },
    claimHeaders: [...template.claimHeaders],
    clientsPerIssuer: config.load.clientsPerIssuer,
    loginScopes: Object.fromEntries(
      config.idp.issuers.map((i) => [
        i.name,
        [...(DEFAULT_ISSUERS.find((d) => d.name === i.name)?.scopes ?? [])],
      ]),
    ),
    tokenLifetimeS: Math.round(config.load.tokenLifetime / 1000),
    requestTimeout: k6Duration(config.load.requestTimeout),
    scenarios,
    // Phases that send requests only (a pause has a mix but no k6 scenario).
    mixes: scriptMixes(
      plan.phases.map((p, i) => p.name ?? `${p.type}#${i}`),
      plan.phaseMixes,
      template,
      defaultIssuer,
      new Set(scenarios.map((s) => s.phase)),
    ),
    thresholds: toThresholds(plan.slos, scenarios, plan.notApplicable),
    ...timelineOf(plan),
    omittedKinds: plan.omittedKinds,
  };
}

/** mock-idp's data plane as the config binds it (a wildcard bind is reached on loopback). */
function providerUrl(config: FullConfig): string {
  const host = ['0.0.0.0', '::', ''].includes(config.idp.host) ? '127.0.0.1' : config.idp.host;
  const bracketed = host.includes(':') ? `[${host}]` : host;
  return `${config.idp.tls ? 'https' : 'http'}://${bracketed}:${config.idp.port || DEFAULT_IDP_PORT}`;
}

/** The timeline's token events in run ms, and a line per item for the script's comment. */
function timelineOf(plan: ScenarioPlan): Pick<ExportModel, 'renewals' | 'remintAtMs' | 'timeline'> {
  const renewals: Renewal[] = [];
  const remintAtMs: number[] = [];
  const timeline: string[] = [];
  const run = (d: string | number): number => Math.round(plan.scale(parseDuration(d, 'offset')));
  for (const f of plan.scenario.beforeStart ?? [])
    timeline.push(`before start: fault ${f.fault.name} (${f.fault.kind})`);
  for (const item of plan.scenario.timeline ?? []) {
    if (isFaultItem(item)) {
      const to = item.to === undefined ? 'the end' : `${run(item.to)}ms`;
      timeline.push(`${run(item.from)}ms..${to}: fault ${item.fault.name} (${item.fault.kind})`);
      continue;
    }
    const at = run(item.at);
    const { action } = item;
    timeline.push(`${at}ms: ${action.kind}`);
    if (REMINTING.has(action.kind)) remintAtMs.push(at);
    if (action.kind === 'force-refresh') renewals.push({ atMs: at, spreadMs: 0 });
    if (action.kind === 'expire-tokens') {
      const spread = action.mode === 'jittered' && action.within !== undefined ? run(action.within) : 0;
      renewals.push({ atMs: at, spreadMs: spread });
    }
  }
  return {
    renewals: renewals.sort((a, b) => a.atMs - b.atMs),
    remintAtMs: [...new Set(remintAtMs)].sort((a, b) => a - b),
    timeline,
  };
}
