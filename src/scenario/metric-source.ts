/**
 * The SLO evaluator's view of one scenario: request metrics from the request log (every request
 * booked by when it was due to start, so windows are exact to the millisecond), dropped starts
 * from the load engine, provider metrics from the IdP sampler, attempts through the fault proxy
 * from the proxy sampler, log matches from the SUT's captured output, readiness expectations and
 * action lateness from the timeline, time to recover from the per-second series.
 * Unknown tags match nothing (0 samples) rather than throwing, as the MetricSource contract says.
 */
import { baselineFromSeries, timeToRecover } from '../slo/recovery.ts';
import type { RecoverySecond } from '../slo/recovery.ts';
import { createLoadMetricSource } from '../slo/load-source.ts';
import type { LoadWindowReader } from '../slo/load-source.ts';
import type { CounterSummary, GaugeSummary, MetricQuery, MetricSource, RateSummary } from '../slo/source.ts';
import { NO_TREND } from '../slo/source.ts';
import type { IdpSecond } from './idp-sampler.ts';
import { idpWindow } from './idp-sampler.ts';
import { createJourneyMetricSource, withJourneyMetrics } from '../journeys/metric-source.ts';
import type { JourneySample } from '../journeys/types.ts';
import { proxyBytesIn } from './proxy-sampler.ts';
import type { ProxySample } from './proxy-sampler.ts';

export interface ScenarioData {
  /** Requests due in [fromMs, toMs) (exact: the request log). */
  requests: LoadWindowReader;
  /** Starts the engine could not make in [fromMs, toMs) (its per-second buckets: drops have no request). */
  droppedStarts(fromMs: number, toMs: number): number;
  idpSeconds: readonly IdpSecond[];
  /** Bytes the SUT sent through the proxy, four readings a second. */
  proxySamples: readonly ProxySample[];
  /** SUT log lines matching a named pattern within [fromMs, toMs) of scenario time. */
  logMatches(pattern: string, fromMs: number, toMs: number): number;
  /** Scenario-time instants at which a readiness expectation did not hold. */
  readinessMismatches: readonly number[];
  /** Scheduled timeline steps: when each was due and how late it started. */
  lateness: readonly { atMs: number; lateMs: number }[];
  /** Per-second recovery readings and the baseline window, for time_to_recover. */
  recoverySeries: readonly RecoverySecond[];
  baseline: { fromMs: number; toMs: number } | undefined;
  /** The run's time scale: the recovery hold (5 s) and rolling width (3 s) shrink with it. */
  timeScale: number;
}

/**
 * "Back to normal" for time_to_recover: p95 within four times the baseline plus 100 ms, and the
 * unexpected-outcome rate within one point of it. Looser than the evaluator's defaults because
 * per-second p95 on a shared 2-core CI box jumps by several times without any fault.
 */
const RECOVERY_TOLERANCE = { latencyTolerance: 3, latencySlackMs: 100, errorRateTolerance: 0.01 } as const;

const NO_RATE: RateSummary = { samples: 0, matches: 0 };
const noGauge: GaugeSummary = { samples: 0, value: 0, min: 0, max: 0 };

/** The request log's windows, with the engine's dropped starts put in (drops never become requests). */
function exactLoadReader(data: ScenarioData): LoadWindowReader {
  return {
    window(fromMs, toMs) {
      const inner = data.requests.window(fromMs, toMs);
      return {
        latency: (which, kind) => inner.latency(which, kind),
        counts: (kind) => {
          const c = inner.counts(kind);
          return kind === undefined ? { ...c, dropped: data.droppedStarts(fromMs, toMs) } : c;
        },
      };
    },
  };
}

/**
 * Request metrics (durations, rates, request counters) come from the same source `keystorm
 * load` uses, so a rate means the same everywhere (a share of requests); this adds what only a
 * scenario has: provider stats, SUT logs, readiness and time to recover.
 */
export function createScenarioMetricSource(data: ScenarioData): MetricSource {
  const onlyTags = (query: MetricQuery, allowed: readonly string[]): boolean =>
    Object.keys(query.tags).every((t) => allowed.includes(t));

  const extra: MetricSource = {
    trend: () => NO_TREND,
    rate: () => NO_RATE,

    counter(query): CounterSummary {
      switch (query.metric) {
        case 'jwks_fetches':
        case 'unknown_kid_fetches': {
          if (!onlyTags(query, ['issuer'])) return { samples: 0, count: 0 };
          const w = idpWindow(data.idpSeconds, query.fromMs, query.toMs, query.tags.issuer);
          return { samples: w.samples, count: query.metric === 'jwks_fetches' ? w.fetches : w.unknownKid };
        }
        case 'log_matches': {
          const pattern = query.tags.pattern;
          if (pattern === undefined || !onlyTags(query, ['pattern'])) return { samples: 0, count: 0 };
          // Samples: seconds of log watched (a log that was captured counts even with 0 matches).
          const seconds = Math.max(1, Math.round((query.toMs - query.fromMs) / 1000));
          return { samples: seconds, count: data.logMatches(pattern, query.fromMs, query.toMs) };
        }
        case 'proxy_upstream_bytes': {
          if (!onlyTags(query, ['issuer'])) return { samples: 0, count: 0 };
          const w = proxyBytesIn(data.proxySamples, query.fromMs, query.toMs, query.tags.issuer);
          return { samples: w.samples, count: w.bytes };
        }
        case 'readiness_mismatches': {
          const count = data.readinessMismatches.filter((t) => t >= query.fromMs && t < query.toMs).length;
          return { samples: Math.max(1, Math.round((query.toMs - query.fromMs) / 1000)), count };
        }
        default:
          return { samples: 0, count: 0 };
      }
    },

    gauge(query): GaugeSummary {
      switch (query.metric) {
        case 'jwks_peak_concurrency': {
          if (!onlyTags(query, ['issuer'])) return noGauge;
          const w = idpWindow(data.idpSeconds, query.fromMs, query.toMs, query.tags.issuer);
          return { samples: w.samples, value: w.peak, min: w.peak, max: w.peak };
        }
        case 'jwks_fetches_per_instance':
        case 'jwks_fetch_rate_per_instance': {
          if (!onlyTags(query, ['issuer'])) return noGauge;
          const w = idpWindow(data.idpSeconds, query.fromMs, query.toMs, query.tags.issuer);
          // A rate divides by the seconds actually read (a window's partial edge seconds included).
          const per = query.metric === 'jwks_fetch_rate_per_instance' ? Math.max(1, w.samples) : 1;
          const counts = Object.values(w.perInstance).map((n) => n / per);
          const max = counts.length === 0 ? 0 : Math.max(...counts);
          const min = counts.length === 0 ? 0 : Math.min(...counts);
          return { samples: w.samples, value: max, min, max };
        }
        case 'action_lateness': {
          if (Object.keys(query.tags).length > 0) return noGauge;
          const late = data.lateness
            .filter((l) => l.atMs >= query.fromMs && l.atMs < query.toMs)
            .map((l) => l.lateMs);
          if (late.length === 0) return noGauge;
          const max = Math.max(...late);
          return { samples: late.length, value: max, min: Math.min(...late), max };
        }
        case 'time_to_recover': {
          if (Object.keys(query.tags).length > 0 || data.baseline === undefined) return noGauge;
          const baseline = baselineFromSeries(data.recoverySeries, data.baseline.fromMs, data.baseline.toMs);
          if (baseline === undefined) return noGauge;
          const ms = timeToRecover(data.recoverySeries, {
            faultEndMs: query.fromMs,
            baseline,
            ...RECOVERY_TOLERANCE,
            holdMs: 5000 * data.timeScale,
            rollingSeconds: Math.max(1, Math.round(3 * data.timeScale)),
          });
          // Never recovered: the whole window, so `value<N` fails with the time it was given.
          const value = ms ?? query.toMs - query.fromMs;
          return { samples: 1, value, min: value, max: value };
        }
        default:
          return noGauge;
      }
    },
  };
  return createLoadMetricSource(exactLoadReader(data), { extra });
}

/** The scenario source with browser journey runs answering `journey_success_rate` and `journey_duration`. */
export function withScenarioJourneys(
  samples: () => readonly JourneySample[],
  data: ScenarioData,
): MetricSource {
  return withJourneyMetrics(createScenarioMetricSource(data), createJourneyMetricSource(samples));
}
