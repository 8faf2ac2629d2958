/**
 * The result of a run, as every reporter sees it. Plain JSON (summary.json is this object), so
 * it stays stable for machines (k6#4803 is what users ask for) and reporters need no live state.
 * The scenario runner writes these; the SLO layer and every reporter only read them.
 *
 * Time base: every `…Ms` offset and every window is run time (wall clock since the scenario's
 * load started), already multiplied by the run's `timeScale`; the scale is stated once per run.
 */

/**
 * - `passed`: every premise held and every strict SLO was met.
 * - `failed`: a premise held and a strict SLO was breached (exit 1).
 * - `inconclusive`: a premise of the drill did not hold (the fault was not active, the SUT never
 *   fetched, an action ran late …): the SLOs prove nothing either way (exit 4).
 * - `error`: the harness or its infrastructure failed (SUT did not start, mock-idp reset failed) (exit 3).
 * - `interrupted`: stopped by a signal (exit 130).
 */
import type { AlertVerdict } from '../alerts/verdicts.ts';
import type { JourneySample } from '../journeys/types.ts';

export type RunStatus = 'passed' | 'failed' | 'inconclusive' | 'interrupted' | 'error';
/** A scenario may also be `skipped`: it cannot apply to this SUT or config (the reason is given). */
export type ScenarioStatus = RunStatus | 'skipped';
/** `n/a`: the SLO tests a policy the SUT profile says the SUT does not have (not judged). */
export type VerdictStatus = 'pass' | 'fail' | 'warn' | 'n/a';

/** One SLO judged over one window. */
export interface SloVerdict {
  /** Stable identifier within the scenario, e.g. `jwks_peak_concurrency max<=1 @ during:slow-jwks`. */
  id: string;
  metric: string;
  /** The threshold as written, e.g. `p(95)<500`. */
  expression: string;
  /** The window as written (`baseline`, `during:slow-jwks`, `recovery`, `run`, `10s..30s`). */
  window: string;
  status: VerdictStatus;
  /** The observed aggregate the threshold was compared with (null when there were no samples). */
  observed: number | null;
  samples: number;
  strict: boolean;
  /** Why it failed, in words (zero samples, breach, …), or why it was not applicable. */
  message?: string;
  /** The failure mode this SLO tests (FM1–FM24 of docs/failure-modes.md). */
  failureMode?: string;
}

/** One premise of a scenario, checked from what mock-idp, the proxy and the load engine recorded. */
export interface PreconditionVerdict {
  id: string;
  /** What must have happened, in words ("the SUT attempted a JWKS fetch during the outage"). */
  premise: string;
  met: boolean;
  /** The measured value the premise was judged on (null when there was none). */
  observed: number | null;
  /** Why it was not met, in words. */
  message?: string;
}

/** One second of a scenario, for charts and for "time to recover". */
export interface SeriesPoint {
  /** Seconds since the scenario started. */
  t: number;
  requests: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  s2xx: number;
  s401: number;
  s403: number;
  s4xx: number;
  s5xx: number;
  /** Transport errors: timeouts, resets, refused connections. */
  errors: number;
  unexpected: number;
  /** JWKS fetches seen by the mock IdP during this second (all SUT instances). */
  jwksFetches: number;
}

/**
 * One request kind's figures per chart bucket, by when requests were due (run time). Columnar:
 * index i covers [i × bucketMs, (i + 1) × bucketMs), except the last, which runs to `untilMs`
 * (between half and one and a half buckets): charts divide by each bucket's real width, so the
 * run's end shows no false drop.
 */
export interface KindSeries {
  kind: string;
  /** The kind expects success (a 2xx): its 401/403s are requests that should have passed. */
  positive: boolean;
  requests: number[];
  /** Expected outcomes. */
  ok: number[];
  s401: number[];
  s403: number[];
  s5xx: number[];
  /** Transport errors (timeouts, resets, refused). */
  errors: number[];
  unexpected: number[];
  /** Corrected latency p95 of the bucket, ms (null without requests). */
  p95: (number | null)[];
}

/** Chart series at a resolution that fits the scenario's length (250 ms under a minute). */
export interface ChartSeries {
  bucketMs: number;
  /** Run ms the series covers (the last bucket ends here). */
  untilMs: number;
  kinds: KindSeries[];
}

/** Corrected p95 of the success-expecting kinds over one span (baseline, a fault, recovery). */
export interface SpanLatency {
  /** The window name (`baseline`, a fault's name, `recovery`). */
  window: string;
  p95: number | null;
  samples: number;
}

export interface LatencySummary {
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

export interface LoadSummary {
  requests: number;
  ratePerSecond: number;
  /** Latency from the intended start (coordinated-omission corrected), ms. */
  corrected: LatencySummary;
  /** Latency from the actual send, ms. */
  uncorrected: LatencySummary;
  statuses: Record<string, number>;
  unexpected: number;
  securityFailures: number;
  droppedStarts: number;
  lateStarts: number;
  /** Per request kind (fresh, expired, …): count and unexpected count. */
  kinds: Record<string, { requests: number; unexpected: number; statuses: Record<string, number> }>;
}

export interface IdpSummary {
  jwksFetches: number;
  peakConcurrentJwksFetches: number;
  /** JWKS fetches per SUT instance (client id at the provider). */
  fetchesPerInstance: Record<string, number>;
  unknownKidFetches: number;
  tokensIssued: number;
  faultsInjected: number;
}

/** A named interval of the scenario (a fault, a load phase, baseline, recovery). */
export interface WindowSpan {
  name: string;
  kind: 'phase' | 'fault' | 'baseline' | 'recovery' | 'run';
  fromMs: number;
  toMs: number;
}

/** Something the timeline did, with its outcome. */
export interface TimelineEntry {
  atMs: number;
  what: string;
  ok: boolean;
  detail?: string;
  /** For scheduled actions and faults: how late it started against its offset (ms). */
  lateMs?: number;
}

export interface ScenarioResult {
  name: string;
  hypothesis: string;
  /** Failure modes (FM1–FM24) this scenario covers. */
  covers: string[];
  status: ScenarioStatus;
  startedAt: string;
  durationMs: number;
  /** For `error`: the cause in one line. */
  error?: string;
  /** For `skipped`: why the scenario could not apply. */
  skipReason?: string;
  /** Premises checked before the SLOs count (an unmet one makes the scenario inconclusive). */
  preconditions: PreconditionVerdict[];
  /**
   * The SUT key-cache timings this scenario's durations were derived from (run-time ms), and
   * where each came from: `profile` (config `sut.profile` or `keystorm calibrate`) or `default`.
   */
  timings?: Record<string, { ms: number; source: string }>;
  /** Request kinds not sent because the SUT profile lacks the policy they test. */
  omittedKinds?: { kind: string; reason: string }[];
  /** Browser journey runs (when the scenario has journeys): outcome, duration, failure, screenshot and trace. */
  journeys?: JourneySample[];
  /**
   * Alert verification (when the scenario expects alerts or the run has `--alerts` files): per
   * rule, fired or not, pending and firing times, time to detect, and the verdict.
   */
  alerts?: AlertVerdict[];
  slos: SloVerdict[];
  load: LoadSummary;
  idp: IdpSummary;
  /** SUT log-pattern matches over the whole scenario. */
  logMatches: Record<string, number>;
  /** Increase of the SUT's own Prometheus counters over the load, summed over replicas (when `sut.metricsUrl` is set). */
  sutCounters: Record<string, number>;
  windows: WindowSpan[];
  timeline: TimelineEntry[];
  series: SeriesPoint[];
  /** Per-kind chart series at sub-second resolution for short scenarios (absent in older results). */
  chart?: ChartSeries;
  /** p95 of the success-expecting kinds per span, for "p95 against baseline" (absent in older results). */
  spanLatency?: SpanLatency[];
  /** Wall clock (epoch ms) of time 0: alert timestamps are epoch ms and are placed with it. */
  loadEpochMs?: number;
  /** The scenario as declared (data only), so a report can be re-run or exported. */
  definition: unknown;
}

export interface RunResult {
  tool: 'keystorm';
  version: string;
  status: RunStatus;
  exitCode: number;
  startedAt: string;
  durationMs: number;
  seed: number;
  /** Drill time × timeScale = run time; every offset and window in the result is run time. */
  timeScale: number;
  sut: { description: string; replicas: number; env: Record<string, string> };
  scenarios: ScenarioResult[];
}

/** Counts verdicts across a run (for one-line summaries and exit codes). */
export function tallyVerdicts(run: Pick<RunResult, 'scenarios'>): {
  pass: number;
  fail: number;
  warn: number;
  'n/a': number;
} {
  const tally = { pass: 0, fail: 0, warn: 0, 'n/a': 0 };
  for (const s of run.scenarios) for (const v of s.slos) tally[v.status]++;
  return tally;
}

/** Scenarios whose SLOs count: not skipped, not inconclusive, not broken. */
export function judgedScenarios(run: Pick<RunResult, 'scenarios'>): ScenarioResult[] {
  return run.scenarios.filter((s) => s.status === 'passed' || s.status === 'failed');
}
