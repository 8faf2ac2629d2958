/**
 * What the SLO evaluator reads. The scenario runner backs this with the load result (per-second
 * series and windowed HDR histograms) and the IdP's stats; tests and imports (e.g. k6 NDJSON)
 * can use {@link createMemorySource}. Every answer carries `samples`: how many observations the
 * figure rests on. Zero samples means "no data for this window" and fails the SLO unless it
 * opts out with `allowNoSamples` (k6#4283: a threshold with no data must not pass silently).
 */
import type { MetricName } from './metrics.ts';

/** Which data to read: a metric, its tag filters (all must match), and a window in ms since start. */
export interface MetricQuery {
  readonly metric: MetricName;
  /** Tag filters; a sample matches when it carries every one of them with the same value. */
  readonly tags: Readonly<Record<string, string>>;
  /** Inclusive start, ms since the scenario started. */
  readonly fromMs: number;
  /** Exclusive end, ms since the scenario started. */
  readonly toMs: number;
}

/** A distribution over the window (e.g. a windowed HDR histogram). Values in the metric's unit. */
export interface TrendSummary {
  readonly samples: number;
  readonly min: number;
  readonly max: number;
  readonly avg: number;
  /** Value at percentile p in [0, 100]. Only called when samples > 0. */
  percentile(p: number): number;
}

/** A window without samples (an SLO on it is judged "no samples"). */
export const NO_TREND: TrendSummary = { samples: 0, min: NaN, max: NaN, avg: NaN, percentile: () => NaN };

/** A share: `matches` out of `samples` observations (e.g. 401s out of responses). */
export interface RateSummary {
  readonly samples: number;
  readonly matches: number;
}

/**
 * A count over the window. `samples` is the number of observations the counter was derived from
 * (e.g. requests seen, seconds of IdP stats covered), so `count: 0, samples: 600` means
 * "watched, nothing happened" and `samples: 0` means "not watched".
 */
export interface CounterSummary {
  readonly samples: number;
  readonly count: number;
}

/** Readings of a gauge in the window: the metric's own reading (`value`) and the extremes. */
export interface GaugeSummary {
  readonly samples: number;
  /** The last reading (for per-instance metrics: the busiest instance). */
  readonly value: number;
  readonly min: number;
  readonly max: number;
}

/** The evaluator's only view of a run. Implementations must not throw for unknown tags: return 0 samples. */
export interface MetricSource {
  trend(query: MetricQuery): TrendSummary;
  rate(query: MetricQuery): RateSummary;
  counter(query: MetricQuery): CounterSummary;
  gauge(query: MetricQuery): GaugeSummary;
}
