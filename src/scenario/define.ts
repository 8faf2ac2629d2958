/**
 * Scenarios as users write them: plain, serialisable data (reports embed it as it was played).
 * `defineScenario` is the identity function that gives a TypeScript author types.
 *
 * A scenario = load phases played one after another + a timeline of actions at offsets and
 * faults over intervals + SLOs judged per window. Offsets and durations are "drill time": the
 * runner multiplies them by the run's time scale (CI runs the suite faster than a drill).
 */
import type { FaultSpec } from '../faults/types.ts';
import type { JourneyInput } from '../journeys/types.ts';
import type { SloInput, SutCapability } from '../slo/definition.ts';

/**
 * `250ms`, `5s`, `1m30s` or milliseconds — or an expression over the SUT's key-cache timings
 * (`'ttl + 8s'`, `'max(2*cooldown, 3s)'`; names: ttl, refreshAhead, cooldown, fetchTimeout), resolved
 * from the SUT profile before the run (src/scenario/timing.ts). Use an expression wherever the
 * drill only means something relative to the SUT's own cache (an outage that must outlast the TTL).
 */
export type Duration = string | number;

/**
 * One load phase. Exactly one of `rate` (open model, constant or ramping to `rampTo`), `vus`
 * (closed model), `burst` (N requests released at one instant) or `pause` says what kind it is.
 */
export interface PhaseInput {
  /** Name, usable as an SLO window (`during:<name>`). */
  name: string;
  /** Arrivals per second (open model): starts happen on schedule whatever the response time. */
  rate?: number;
  /** With `rate`: ramp linearly from `rate` to this arrival rate over the phase. */
  rampTo?: number;
  /** Virtual users looping (closed model). */
  vus?: number;
  /** Requests released together at the phase start (for stampedes). */
  burst?: number;
  /** No requests for `duration` (e.g. while the timeline changes keys before a burst). */
  pause?: boolean;
  /** How long the phase lasts (required except for bursts, which end when answered). */
  duration?: Duration;
  /** Hard cap on the requests of this phase (the engine caps every phase anyway). */
  maxRequests?: number;
  /** Request mix of this phase (default: the scenario's `load.mix`). */
  mix?: RequestKindInput[];
}

/** Token shapes the request mix can ask for (mock-idp's minting API is the one list of them). */
export type { TokenShape } from '../../mock-idp/tokens/mint.ts';
import type { TokenShape } from '../../mock-idp/tokens/mint.ts';
import type { MisrotationKind } from '../../mock-idp/keys/misrotations.ts';

/**
 * One kind of request in the mix. The default mix is 100 % `valid`: a token from the token pool
 * (simulated clients that obtain, keep and refresh real tokens) on the SUT's default route. Each
 * request with a pooled token is also tagged with that token's state (`fresh`, `expiring`,
 * `refreshed`, `stale`); see docs/token-pool.md.
 */
export interface RequestKindInput {
  /**
   * Tag for per-kind figures and SLO filters (`request_duration{kind:valid}`). Not a token state:
   * `{kind:fresh}` selects requests that carried a fresh pooled token, whatever their entry.
   */
  kind: string;
  /** Relative weight in the mix. */
  share: number;
  /** Issuer of the token (default: the first issuer). */
  issuer?: string;
  /**
   * `pool` (default): a pooled, refreshed valid token. `pool-reused`: one pooled token taken at
   * the start and never refreshed (the canary that never notices). `none`: no Authorization
   * header. A shape: a token minted in that shape.
   */
  token?: 'pool' | 'pool-reused' | 'none' | TokenShape;
  /** Request template on the SUT: only `default` (the config's `sut.request`) exists. */
  route?: string;
  /** Claim-derived headers: sent right (default), omitted, or with a wrong value. */
  headers?: 'ok' | 'omit' | 'mismatch';
  /**
   * Expected statuses. Default: the expectation table (src/load/outcome.ts) — the route's
   * `expect` (else any 2xx/3xx) for valid tokens, 401 for bad tokens, a missing token or faulted
   * headers, 403 for a missing scope. A stale pooled token is expected 401 whatever this says.
   */
  expect?: number[];
  /**
   * Policies the SUT must enforce for this kind's expectation to hold (a missing-scope token is
   * only a 403 where the SUT checks scopes). Kinds the SUT profile lacks are not sent.
   */
  requires?: SutCapability[];
}

export interface LoadInput {
  /** Connections to each SUT replica (default `load.connections` of the config). */
  connections?: number;
  phases: PhaseInput[];
  mix?: RequestKindInput[];
}

/** Actions the timeline can take at an offset. */
export type ActionInput =
  | {
      kind: 'rotate-keys';
      issuer?: string;
      publishAhead?: Duration;
      retireAfter?: Duration;
      revokeAfter?: Duration;
    }
  | {
      kind: 'misrotate';
      issuer?: string;
      rotation: MisrotationKind;
      options?: Record<string, unknown>;
    }
  | { kind: 'publish-next-key'; issuer?: string }
  | { kind: 'activate-next-key'; issuer?: string }
  | { kind: 'revoke-active-key'; issuer?: string }
  | { kind: 'force-refresh' }
  | { kind: 'expire-tokens'; mode: 'aligned' | 'jittered'; within?: Duration }
  | { kind: 'restart-sut'; replica?: number }
  | { kind: 'check-ready'; expect: boolean; within?: Duration }
  | { kind: 'set-clock'; issuer?: string; offset: Duration | number }
  | { kind: 'set-claims'; issuer?: string; claims: Record<string, unknown> }
  | { kind: 'mark'; name: string };

export interface TimelineAction {
  at: Duration;
  action: ActionInput;
}

export interface TimelineFault {
  /** From this offset … */
  from: Duration;
  /** … to this one (default: the end of the scenario). The fault's name is its SLO window. */
  to?: Duration;
  fault: FaultSpec & { name: string };
}

export type TimelineItem = TimelineAction | TimelineFault;

export interface ScenarioInput {
  name: string;
  /** What the scenario shows when the SUT is correct, in one or two sentences. */
  hypothesis: string;
  /** Failure modes (FM1–FM24, see docs/failure-modes.md) this scenario covers. */
  covers?: string[];
  /** Free tags for selecting scenarios (`keystorm run --tag canary` plays those with the tag). */
  tags?: string[];
  /** SUT replicas for this scenario (default from the config). */
  replicas?: number;
  /**
   * Wait until every replica reports ready before the load starts (default true). false starts
   * the load as soon as the SUT listens, so the first requests meet a truly cold key cache.
   */
  waitForReady?: boolean;
  /** Timeline items to apply BEFORE the SUT starts (e.g. a provider down at cold start). */
  beforeStart?: TimelineFault[];
  load: LoadInput;
  timeline?: TimelineItem[];
  /**
   * What must have happened for the SLOs to mean anything, checked after the run from what
   * mock-idp, the proxy and the load engine recorded: SLO-shaped (metric, threshold, window) with
   * the premise in words. One that does not hold makes the scenario `inconclusive`, never passed.
   * Every scenario also has implicit premises: every fault and action applied, on time.
   */
  preconditions?: PreconditionInput[];
  /**
   * Browser journeys run beside the load, e.g. `[{ spec: 'scenarios/browser/ask-answer.spec.ts',
   * every: '10s' }]`: each run is a sample of `journey_success_rate` and `journey_duration`
   * (tag `journey:<name>`); failed runs leave a screenshot and a trace in the report directory.
   * Needs an installed Chromium (exit 2 without one). See docs/journeys.md.
   */
  journeys?: JourneyInput[];
  slos: SloInput[];
  /**
   * Alerts that must fire, each within a time of the fault's start (`{ JWKSStampedeRisk: {
   * within: '90s' } }`). Judged like SLOs by Prometheus's own engine (promtool) over the series
   * scraped during the run, against keystorm's drill-scale rules plus any `--alerts` files; the
   * observed value is the time to detect (first firing − fault start). A rule whose windows and
   * `for:` cannot fit in the time recorded after the fault is `inconclusive`, never passed.
   * Needs promtool (exit 2 without it). See docs/alerts.md.
   */
  expectAlerts?: Record<string, { within: string }>;
  /**
   * Alerts that must stay silent for the whole run (false positives). Silence of a rule that
   * needs more data than the run recorded is `inconclusive`.
   */
  silentAlerts?: string[];
}

/** A premise of a scenario: an SLO-shaped check whose failure means "this drill proved nothing". */
export interface PreconditionInput {
  /** What must have happened, in words: "the SUT attempted a JWKS fetch during the outage". */
  premise: string;
  metric: string;
  threshold: string;
  /** Default `run`. */
  window?: SloInput['window'];
}

/** Identity function that types a scenario: loose input in, checked by validate.ts at run time. */
export function defineScenario(scenario: ScenarioInput): ScenarioInput {
  return scenario;
}

export function isFaultItem(item: TimelineItem): item is TimelineFault {
  return 'fault' in item;
}
