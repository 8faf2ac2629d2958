/**
 * A {@link MetricSource} over a load run: request metrics come from the engine's windowed
 * per-second buckets (histograms and counts, never per-request data), everything else (IdP
 * stats, log matches, time to recover) from an `extra` source — typically a memory source the
 * runner fills once per second, which stays small whatever the run length.
 *
 * The load interfaces are declared structurally here (what is read, nothing more), so that
 * src/load's `LoadResult` and `LoadRun` fit without this module depending on their internals.
 */
import type { MetricName } from './metrics.ts';
import type {
  CounterSummary,
  GaugeSummary,
  MetricQuery,
  MetricSource,
  RateSummary,
  TrendSummary,
} from './source.ts';
import { NO_TREND } from './source.ts';

/** Counts of one window (a subset of src/load's `CountsJson`). */
export interface LoadCounts {
  readonly requests: number;
  readonly started: number;
  readonly late: number;
  readonly dropped: number;
  readonly unexpected: number;
  readonly securityFailures: number;
  readonly status: { readonly '401': number; readonly '403': number; readonly '5xx': number };
  readonly errors: { readonly total: number };
}

/** One window of a load run (a subset of src/load's `WindowView`). */
export interface LoadWindow {
  latency(which: 'corrected' | 'uncorrected', kind?: string): TrendSummary;
  counts(kind?: string): LoadCounts;
}

/** Anything that reads windows of a load run: `LoadResult` after the run, `LoadRun` during it. */
export interface LoadWindowReader {
  window(fromMs: number, toMs: number): LoadWindow;
}

export interface LoadSourceOptions {
  /** When the load run started, ms since the scenario started (SLO windows are scenario-relative). */
  loadStartMs?: number;
  /** Source for every metric the load run does not measure (jwks_*, log_matches, time_to_recover …). */
  extra?: MetricSource;
}

/** The only tag request metrics understand: the request kind. */
const REQUEST_TAGS = new Set(['kind']);

const NO_RATE: RateSummary = { samples: 0, matches: 0 };
const NO_COUNT: CounterSummary = { samples: 0, count: 0 };
const NO_GAUGE: GaugeSummary = { samples: 0, value: NaN, min: NaN, max: NaN };

/** Creates the source. Request metrics with a tag other than `kind` have no samples. */
export function createLoadMetricSource(
  load: LoadWindowReader,
  options: LoadSourceOptions = {},
): MetricSource {
  const offset = options.loadStartMs ?? 0;
  const extra = options.extra;

  /** The window and kind for a request metric, or undefined when the filter cannot be met. */
  const read = (q: MetricQuery): { window: LoadWindow; kind: string | undefined } | undefined => {
    if (Object.keys(q.tags).some((k) => !REQUEST_TAGS.has(k))) return undefined;
    const fromMs = Math.max(0, q.fromMs - offset);
    const toMs = q.toMs - offset;
    if (toMs <= fromMs) return undefined;
    return { window: load.window(fromMs, toMs), kind: q.tags.kind };
  };

  const rateOf = (q: MetricQuery, pick: (c: LoadCounts) => number): RateSummary => {
    const r = read(q);
    if (r === undefined) return NO_RATE;
    const c = r.window.counts(r.kind);
    return { samples: c.requests, matches: pick(c) };
  };

  const countOf = (
    q: MetricQuery,
    pick: (c: LoadCounts) => { samples: number; count: number },
  ): CounterSummary => {
    const r = read(q);
    return r === undefined ? NO_COUNT : pick(r.window.counts(r.kind));
  };

  const requestMetric = (name: MetricName): boolean =>
    name.startsWith('request') ||
    name.endsWith('_rate') ||
    name === 'dropped_starts' ||
    name === 'late_starts' ||
    name === 'security_failures';

  return {
    trend(q) {
      if (q.metric !== 'request_duration' && q.metric !== 'request_duration_uncorrected') {
        return extra?.trend(q) ?? NO_TREND;
      }
      const r = read(q);
      if (r === undefined) return NO_TREND;
      return r.window.latency(q.metric === 'request_duration' ? 'corrected' : 'uncorrected', r.kind);
    },
    rate(q) {
      switch (q.metric) {
        case 'unexpected_rate':
          return rateOf(q, (c) => c.unexpected);
        case 'status_401_rate':
          return rateOf(q, (c) => c.status['401']);
        case 'status_403_rate':
          return rateOf(q, (c) => c.status['403']);
        case 'status_5xx_rate':
          return rateOf(q, (c) => c.status['5xx']);
        case 'error_rate':
          return rateOf(q, (c) => c.errors.total);
        case 'dropped_rate': {
          // A share of scheduled starts (made + dropped), not of requests: drops never end.
          const c = countOf(q, (k) => ({ samples: k.started + k.dropped, count: k.dropped }));
          return { samples: c.samples, matches: c.count };
        }
        default:
          return extra?.rate(q) ?? NO_RATE;
      }
    },
    counter(q) {
      switch (q.metric) {
        case 'requests':
          // Watched = every start the schedule attempted; nothing completed is then a real 0.
          return countOf(q, (c) => ({ samples: c.started + c.dropped, count: c.requests }));
        case 'dropped_starts':
          return countOf(q, (c) => ({ samples: c.started + c.dropped, count: c.dropped }));
        case 'late_starts':
          return countOf(q, (c) => ({ samples: c.started, count: c.late }));
        case 'security_failures':
          return countOf(q, (c) => ({ samples: c.requests, count: c.securityFailures }));
        default:
          return requestMetric(q.metric) ? NO_COUNT : (extra?.counter(q) ?? NO_COUNT);
      }
    },
    gauge(q) {
      return extra?.gauge(q) ?? NO_GAUGE;
    },
  };
}
