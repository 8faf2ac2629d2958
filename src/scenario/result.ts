/**
 * The result of a run, as every reporter sees it. Plain JSON (summary.json is this object), so
 * it stays stable for machines (k6#4803 is what users ask for) and reporters need no live state.
 */

export type RunStatus = 'passed' | 'failed' | 'interrupted' | 'error';
export type VerdictStatus = 'pass' | 'fail' | 'warn';

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
  /** Why it failed, in words (zero samples, breach, …). */
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
}

export interface ScenarioResult {
  name: string;
  hypothesis: string;
  /** Failure modes (FM1–FM24) this scenario covers. */
  covers: string[];
  status: RunStatus;
  startedAt: string;
  durationMs: number;
  error?: string;
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
  timeScale: number;
  sut: { description: string; replicas: number; env: Record<string, string> };
  scenarios: ScenarioResult[];
}

/** Counts verdicts across a run (for one-line summaries and exit codes). */
export function tallyVerdicts(run: Pick<RunResult, 'scenarios'>): {
  pass: number;
  fail: number;
  warn: number;
} {
  const tally = { pass: 0, fail: 0, warn: 0 };
  for (const s of run.scenarios) for (const v of s.slos) tally[v.status]++;
  return tally;
}
