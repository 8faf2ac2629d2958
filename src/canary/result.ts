/**
 * What a canary run produced, as its reporters and summary.json see it. A canary result of its
 * own rather than `RunResult`: a canary has probes against a deployed gateway, not scenarios
 * with SLO windows, mock-idp measurements or SUT logs, and filling those with zeros would be a lie.
 */

/** Valid traffic (judged), the reused-token probe (reported, never judged) and negative cases. */
export type ProbeKind =
  | 'fresh'
  | 'refreshed'
  | 'near-expiry'
  | 'reused'
  | 'no-token'
  | 'malformed'
  | 'alg-none'
  | 'bad-signature'
  | 'header-missing'
  | 'header-mismatch'
  | 'missing-scope';

export const VALID_PROBES: readonly ProbeKind[] = ['fresh', 'refreshed', 'near-expiry'];
export const NEGATIVE_PROBES: readonly ProbeKind[] = [
  'no-token',
  'malformed',
  'alg-none',
  'bad-signature',
  'header-missing',
  'header-mismatch',
  'missing-scope',
];

/** One probe: a token (when it needs one) and one request to the target. */
export interface ProbeResult {
  probe: ProbeKind;
  /** The request's name (`requests[i].name`, else `METHOD path`). */
  request: string;
  /** Wall clock of the start, ISO. */
  at: string;
  /** Milliseconds since the canary started. */
  atMs: number;
  /** The target's status, or null when no answer came (or no token could be had). */
  status: number | null;
  /** What was expected, as written in reports (`2xx/3xx`, `401`, `200|204`). */
  expected: string;
  ok: boolean;
  /** Request latency in ms (0 when the request was never sent). */
  durationMs: number;
  /** Why it failed when there is no status: `token: invalid_client (401)`, `timeout`, … */
  error?: string;
  /** A short excerpt of the answer body on a failure (the gateway's reason). */
  detail?: string;
}

/** Counts for one probe kind and request over the run. */
export interface ProbeTally {
  probe: ProbeKind;
  request: string;
  expected: string;
  /** False for the reused-token probe: reported apart, not part of the verdict. */
  judged: boolean;
  sent: number;
  ok: number;
  failed: number;
  /** Status (or `error`) → count. */
  statuses: Record<string, number>;
  p50: number | null;
  p95: number | null;
  max: number | null;
}

/** A group of failures with one cause: probe, request and what came back. */
export interface FailureGroup {
  probe: ProbeKind;
  request: string;
  /** `403`, `timeout`, `token: invalid_scope (400)` … */
  outcome: string;
  expected: string;
  count: number;
  firstAt: string;
  firstAtMs: number;
  lastAt: string;
  /** The answer body of the first one (truncated). */
  detail?: string;
}

/** Figures for one window of `canary.window` (also pushed to the Pushgateway when it closes). */
export interface CanaryWindow {
  /** Milliseconds since the start: [fromMs, toMs). */
  fromMs: number;
  toMs: number;
  /** Judged probes (valid traffic and negative cases). */
  requests: number;
  failures: number;
  /** Outcome → count over valid traffic (fresh, refreshed, near-expiry). */
  statuses: Record<string, number>;
  /** p95 latency of valid traffic, ms. */
  p95: number | null;
  /** The reused-token probe, apart. */
  reused: { requests: number; failures: number };
}

/** A probe the config asked for that never ran, with the reason (so a pass is never hollow). */
export interface SkippedProbe {
  probe: ProbeKind;
  reason: string;
}

export type CanaryStatus = 'passed' | 'failed' | 'inconclusive' | 'interrupted' | 'error';

export interface CanaryResult {
  tool: 'keystorm';
  kind: 'canary';
  status: CanaryStatus;
  exitCode: number;
  startedAt: string;
  durationMs: number;
  /** The configured bound. */
  plannedMs: number;
  target: string;
  /** `client_credentials at https://idp/…`, `command ./get-token` … */
  tokenSource: string;
  tallies: ProbeTally[];
  failures: FailureGroup[];
  windows: CanaryWindow[];
  skipped: SkippedProbe[];
  /** Only the reused-token probe: what a canary that never refreshes saw. */
  reused: { firstTokenExpiresAt: string | null; sent: number; ok: number; failed: number } | null;
  pushGateway: {
    url: string;
    job: string;
    instance: string;
    pushes: number;
    failedPushes: number;
    lastError?: string;
  } | null;
  /** Why the run stopped early or could not judge (error, interrupt, nothing sent). */
  message?: string;
}
