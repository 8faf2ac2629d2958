/**
 * When the SUT was degraded, read from a scenario's chart series: a bucket is degraded when a
 * request that expected success failed, or when the p95 of those requests rose well above the
 * baseline's. Consecutive degraded buckets (gaps under a second bridged) make one period; the
 * timeline shows where each began and ended, and the time to recover is counted from the moment
 * the last fault was lifted.
 */
import type { ScenarioResult } from '../result/types.ts';

/** Latency counts as degraded above this many times the baseline p95 … */
export const LATENCY_FACTOR = 3;
/** … and at least this much above it (ms), so a 2 ms baseline does not flag 7 ms. */
export const LATENCY_MARGIN_MS = 200;
/** Degraded buckets closer than this are one period. */
const BRIDGE_MS = 1000;

/** One bucket of the success-expecting kinds, summed over kinds. */
export interface HealthBucket {
  fromMs: number;
  toMs: number;
  requests: number;
  failed: number;
  /** 401/403 answers to requests that should have passed. */
  rejected: number;
  /** 5xx answers and transport errors. */
  broken: number;
  /** Highest p95 among the kinds (null without requests). */
  p95: number | null;
}

export interface DegradedPeriod {
  fromMs: number;
  toMs: number;
  failed: number;
  rejected: number;
  broken: number;
  requests: number;
  worstP95: number | null;
  /** Still degraded when the scenario ended. */
  openAtEnd: boolean;
}

/** Buckets of the success-expecting kinds: from the chart series, or the older per-second series. */
export function healthBuckets(s: ScenarioResult): HealthBucket[] {
  const chart = s.chart;
  const positive = chart?.kinds.filter((k) => k.positive) ?? [];
  if (chart !== undefined && positive.length > 0) {
    const n = Math.max(...positive.map((k) => k.requests.length));
    return Array.from({ length: n }, (_, i) => {
      const p95s = positive.map((k) => k.p95[i] ?? null).filter((v): v is number => v !== null);
      return {
        fromMs: i * chart.bucketMs,
        toMs: i === n - 1 ? Math.max(chart.untilMs, i * chart.bucketMs + 1) : (i + 1) * chart.bucketMs,
        requests: sum(positive, (k) => k.requests[i] ?? 0),
        failed: sum(positive, (k) => k.unexpected[i] ?? 0),
        rejected: sum(positive, (k) => (k.s401[i] ?? 0) + (k.s403[i] ?? 0)),
        broken: sum(positive, (k) => (k.s5xx[i] ?? 0) + (k.errors[i] ?? 0)),
        p95: p95s.length === 0 ? null : Math.max(...p95s),
      };
    });
  }
  // Older results: one series over every kind, by second (negative cases included).
  return s.series.map((p) => ({
    fromMs: p.t * 1000,
    toMs: (p.t + 1) * 1000,
    requests: p.requests,
    failed: p.unexpected,
    rejected: 0,
    broken: p.s5xx + p.errors,
    p95: p.p95,
  }));
}

/** The baseline p95 of the success-expecting kinds, when the scenario had a fault-free start. */
export function baselineP95(s: ScenarioResult): number | null {
  return s.spanLatency?.find((w) => w.window === 'baseline')?.p95 ?? null;
}

export function isDegraded(b: HealthBucket, baseline: number | null): boolean {
  if (b.requests === 0) return false;
  if (b.failed > 0) return true;
  return (
    baseline !== null &&
    b.p95 !== null &&
    b.p95 > baseline * LATENCY_FACTOR &&
    b.p95 > baseline + LATENCY_MARGIN_MS
  );
}

export function degradedPeriods(s: ScenarioResult): DegradedPeriod[] {
  const baseline = baselineP95(s);
  const buckets = healthBuckets(s);
  const periods: DegradedPeriod[] = [];
  for (const b of buckets) {
    if (!isDegraded(b, baseline)) continue;
    const last = periods[periods.length - 1];
    if (last !== undefined && b.fromMs - last.toMs < BRIDGE_MS) {
      last.toMs = b.toMs;
      last.failed += b.failed;
      last.rejected += b.rejected;
      last.broken += b.broken;
      last.requests += b.requests;
      last.worstP95 = maxOf(last.worstP95, b.p95);
    } else {
      periods.push({
        fromMs: b.fromMs,
        toMs: b.toMs,
        failed: b.failed,
        rejected: b.rejected,
        broken: b.broken,
        requests: b.requests,
        worstP95: b.p95,
        openAtEnd: false,
      });
    }
  }
  const lastBusy = [...buckets].reverse().find((b) => b.requests > 0);
  const tail = periods[periods.length - 1];
  if (tail !== undefined && lastBusy !== undefined && tail.toMs >= lastBusy.toMs) tail.openAtEnd = true;
  return periods;
}

/** End of the last fault (run ms), or undefined when the scenario injected none. */
export function lastFaultEndMs(s: ScenarioResult): number | undefined {
  const faults = s.windows.filter((w) => w.kind === 'fault');
  return faults.length === 0 ? undefined : Math.max(...faults.map((f) => f.toMs));
}

/**
 * Time to recover after the last fault was lifted: 0 when nothing was degraded after it, the end
 * of the degradation otherwise, `null` when it lasted to the end of the run (not recovered).
 */
export function timeToRecoverMs(s: ScenarioResult, periods = degradedPeriods(s)): number | null | undefined {
  const lifted = lastFaultEndMs(s);
  if (lifted === undefined) return undefined;
  const after = periods.filter((p) => p.toMs > lifted);
  const last = after[after.length - 1];
  if (last === undefined) return 0;
  if (last.openAtEnd) return null;
  return Math.max(0, last.toMs - lifted);
}

function sum<T>(items: readonly T[], pick: (item: T) => number): number {
  return items.reduce((n, item) => n + pick(item), 0);
}

function maxOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.max(a, b);
}
