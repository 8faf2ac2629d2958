/**
 * Time to recover after a fault ends: how long until latency and errors are back near the
 * baseline, and stay there. Computed from the per-second series (no per-request data), so it
 * works for runs of any length.
 *
 * The per-second p95s are combined request-weighted over a rolling window of a few seconds.
 * That is an approximation (percentiles do not average), good enough to tell "back to normal"
 * from "still degraded"; the rolling window smooths single noisy seconds.
 */

/** One second of the run; structurally a subset of `SeriesPoint` (src/result/types.ts). */
export interface RecoverySecond {
  /** Seconds since the scenario started (the bucket covers [t, t+1) s). */
  readonly t: number;
  readonly requests: number;
  /** p95 latency of the second, ms (null when it had no requests). */
  readonly p95: number | null;
  /** Requests that count as errors (by default the unexpected outcomes). */
  readonly unexpected: number;
}

/** Normal figures, typically measured over the baseline window. */
export interface BaselineFigures {
  readonly p95: number;
  readonly errorRate: number;
}

export interface RecoveryOptions {
  /** When the fault ended, ms since the scenario started. */
  readonly faultEndMs: number;
  readonly baseline: BaselineFigures;
  /** Allowed relative excess of p95 over the baseline. Default 0.25 (25 %). */
  readonly latencyTolerance?: number;
  /** Allowed absolute excess of p95, ms, so a 1 ms baseline does not demand 1.25 ms. Default 5. */
  readonly latencySlackMs?: number;
  /** Allowed absolute excess of the error rate. Default 0.01 (one percentage point). */
  readonly errorRateTolerance?: number;
  /** Seconds combined into one rolling reading. Default 3. */
  readonly rollingSeconds?: number;
  /** How long the readings must stay within tolerance to count as recovered. Default 5000 ms. */
  readonly holdMs?: number;
}

const DEFAULTS = {
  latencyTolerance: 0.25,
  latencySlackMs: 5,
  errorRateTolerance: 0.01,
  rollingSeconds: 3,
  holdMs: 5000,
};

/**
 * Milliseconds from `faultEndMs` until the rolling p95 and error rate are back within tolerance
 * of the baseline and stay there for `holdMs`; undefined when that never happens within the
 * series (including when the series ends before the hold period is over).
 * The recovery instant is the start of the first rolling window that is within tolerance, so a
 * sharp recovery at second 10 is reported at 10 s, not 10 s plus the rolling width.
 */
export function timeToRecover(
  series: readonly RecoverySecond[],
  options: RecoveryOptions,
): number | undefined {
  const o = { ...DEFAULTS, ...options };
  if (!(o.rollingSeconds >= 1) || !(o.holdMs >= 0)) {
    throw new RangeError('rollingSeconds must be ≥ 1 and holdMs ≥ 0');
  }
  const rolling = Math.round(o.rollingSeconds);
  const bySecond = new Map<number, RecoverySecond>();
  for (const point of series) bySecond.set(Math.floor(point.t), point);
  if (bySecond.size === 0) return undefined;
  const lastSecond = Math.max(...bySecond.keys());
  const p95Limit = o.baseline.p95 * (1 + o.latencyTolerance) + o.latencySlackMs;
  const errorLimit = o.baseline.errorRate + o.errorRateTolerance;

  const withinTolerance = (start: number): boolean => {
    let requests = 0;
    let weightedP95 = 0;
    let weight = 0;
    let errors = 0;
    for (let s = start; s < start + rolling; s++) {
      const p = bySecond.get(s);
      if (p === undefined || p.requests <= 0) continue;
      requests += p.requests;
      errors += p.unexpected;
      if (p.p95 !== null) {
        weightedP95 += p.p95 * p.requests;
        weight += p.requests;
      }
    }
    // A window without traffic proves nothing: it is not "recovered".
    if (requests === 0 || weight === 0) return false;
    return weightedP95 / weight <= p95Limit && errors / requests <= errorLimit;
  };

  // The first candidate is the second that contains the fault's end (partly after it).
  const first = Math.floor(o.faultEndMs / 1000);
  const holdSeconds = Math.ceil(o.holdMs / 1000);
  for (let start = first; start + rolling - 1 <= lastSecond; start++) {
    // The recovery instant must itself be evidenced by traffic, not by later seconds alone.
    if ((bySecond.get(start)?.requests ?? 0) <= 0 || !withinTolerance(start)) continue;
    // Every rolling window starting within the hold period must be within tolerance too, and
    // the series must reach far enough to show it.
    const lastStart = start + Math.max(0, holdSeconds - 1);
    if (lastStart + rolling - 1 > lastSecond) return undefined;
    let held = true;
    for (let s = start + 1; s <= lastStart; s++) {
      if (!withinTolerance(s)) {
        held = false;
        break;
      }
    }
    if (held) return Math.max(0, start * 1000 - o.faultEndMs);
  }
  return undefined;
}

/**
 * Baseline figures from the seconds in [fromMs, toMs): request-weighted p95 and the error rate.
 * Undefined when the window had no traffic.
 */
export function baselineFromSeries(
  series: readonly RecoverySecond[],
  fromMs: number,
  toMs: number,
): BaselineFigures | undefined {
  let requests = 0;
  let errors = 0;
  let weightedP95 = 0;
  let weight = 0;
  for (const p of series) {
    const startMs = p.t * 1000;
    if (startMs < fromMs || startMs >= toMs || p.requests <= 0) continue;
    requests += p.requests;
    errors += p.unexpected;
    if (p.p95 !== null) {
      weightedP95 += p.p95 * p.requests;
      weight += p.requests;
    }
  }
  if (requests === 0 || weight === 0) return undefined;
  return { p95: weightedP95 / weight, errorRate: errors / requests };
}
