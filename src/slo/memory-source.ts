/**
 * A {@link MetricSource} over raw samples held in memory: for tests, for small imports (a k6
 * `--out json` file) and for metrics with few readings (time_to_recover, per-instance fetches).
 * Not for request-level data of long runs: it keeps every sample, up to `maxSamples`.
 */
import { metricInfo } from './metrics.ts';
import type { MetricName } from './metrics.ts';
import type {
  CounterSummary,
  GaugeSummary,
  MetricQuery,
  MetricSource,
  RateSummary,
  TrendSummary,
} from './source.ts';

export interface MemorySample {
  /** ms since the scenario started. */
  readonly atMs: number;
  /**
   * Trend: the value; rate: 1 (match) or 0; counter: the increment (0 = watched, nothing);
   * gauge: the reading (per-group gauges such as jwks_fetches_per_instance: the increment, tagged
   * with the group, e.g. `{ instance: 'replica-1' }`).
   */
  readonly value: number;
  readonly tags: Readonly<Record<string, string>>;
}

export interface MemorySource extends MetricSource {
  /** Records one sample; booleans are rate observations (true = match). */
  record(metric: MetricName, value: number | boolean, atMs: number, tags?: Record<string, string>): void;
  /** Number of samples held. */
  readonly size: number;
}

/** Creates an empty in-memory source. Throws a RangeError past `maxSamples` (default 1,000,000). */
export function createMemorySource(options: { maxSamples?: number } = {}): MemorySource {
  const maxSamples = options.maxSamples ?? 1_000_000;
  const byMetric = new Map<MetricName, MemorySample[]>();
  let size = 0;

  const select = (q: MetricQuery): MemorySample[] =>
    (byMetric.get(q.metric) ?? []).filter(
      (s) =>
        s.atMs >= q.fromMs && s.atMs < q.toMs && Object.entries(q.tags).every(([k, v]) => s.tags[k] === v),
    );

  return {
    get size() {
      return size;
    },
    record(metric, value, atMs, tags = {}) {
      if (size >= maxSamples) throw new RangeError(`memory source is full (${maxSamples} samples)`);
      const kind = metricInfo(metric).kind;
      if (typeof value === 'boolean' && kind !== 'rate') {
        throw new TypeError(`${metric} is a ${kind}: record a number, not a boolean`);
      }
      const list = byMetric.get(metric) ?? [];
      list.push({ atMs, value: typeof value === 'boolean' ? Number(value) : value, tags: { ...tags } });
      byMetric.set(metric, list);
      size++;
    },
    trend(q): TrendSummary {
      const values = select(q)
        .map((s) => s.value)
        .sort((a, b) => a - b);
      const n = values.length;
      const sum = values.reduce((a, b) => a + b, 0);
      return {
        samples: n,
        min: values[0] ?? NaN,
        max: values[n - 1] ?? NaN,
        avg: n === 0 ? NaN : sum / n,
        percentile: (p) => interpolatedPercentile(values, p),
      };
    },
    rate(q): RateSummary {
      const samples = select(q);
      return { samples: samples.length, matches: samples.filter((s) => s.value !== 0).length };
    },
    counter(q): CounterSummary {
      const samples = select(q);
      return { samples: samples.length, count: samples.reduce((a, s) => a + s.value, 0) };
    },
    gauge(q): GaugeSummary {
      const groupBy = metricInfo(q.metric).groupBy;
      if (groupBy !== undefined) return groupedGauge(select(q), groupBy);
      const samples = select(q).sort((a, b) => a.atMs - b.atMs);
      const values = samples.map((s) => s.value);
      return {
        samples: samples.length,
        value: values[values.length - 1] ?? NaN,
        min: values.length === 0 ? NaN : Math.min(...values),
        max: values.length === 0 ? NaN : Math.max(...values),
      };
    },
  };
}

/** Sums increments per group (e.g. per SUT instance); the reading is the busiest group. */
function groupedGauge(samples: readonly MemorySample[], groupBy: string): GaugeSummary {
  const totals = new Map<string, number>();
  let counted = 0;
  for (const s of samples) {
    const group = s.tags[groupBy];
    if (group === undefined) continue;
    totals.set(group, (totals.get(group) ?? 0) + s.value);
    counted++;
  }
  const values = [...totals.values()];
  if (values.length === 0) return { samples: 0, value: NaN, min: NaN, max: NaN };
  const max = Math.max(...values);
  return { samples: counted, value: max, min: Math.min(...values), max };
}

/** Percentile with linear interpolation between the closest ranks (what k6 reports). */
export function interpolatedPercentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] ?? NaN;
  const b = sorted[hi] ?? NaN;
  return a + (b - a) * (rank - lo);
}
