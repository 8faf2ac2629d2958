/**
 * The SLO evaluator's view of one scenario: request metrics from the load engine's windowed
 * buckets, provider metrics from the IdP sampler, log matches from the SUT's captured output,
 * readiness expectations from the timeline, time to recover from the per-second series.
 * Unknown tags match nothing (0 samples) rather than throwing, as the MetricSource contract says.
 */
import type { WindowView } from '../load/recorder.ts';
import { baselineFromSeries, timeToRecover } from '../slo/recovery.ts';
import type { RecoverySecond } from '../slo/recovery.ts';
import { createLoadMetricSource } from '../slo/load-source.ts';
import type { LoadWindowReader } from '../slo/load-source.ts';
import type {
  CounterSummary,
  GaugeSummary,
  MetricQuery,
  MetricSource,
  RateSummary,
  TrendSummary,
} from '../slo/source.ts';
import type { IdpSecond } from './idp-sampler.ts';
import { idpWindow } from './idp-sampler.ts';

export interface ScenarioData {
  /** Load figures over [fromMs, toMs). */
  loadWindow(fromMs: number, toMs: number): WindowView;
  idpSeconds: readonly IdpSecond[];
  /** SUT log lines matching a named pattern within [fromMs, toMs) of scenario time. */
  logMatches(pattern: string, fromMs: number, toMs: number): number;
  /** Scenario-time instants at which a readiness expectation did not hold. */
  readinessMismatches: readonly number[];
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

/**
 * The load engine keeps one bucket per second and widens a window to whole seconds, so a window
 * ending at 6.003 s would take in second 6 — the next phase, with another request mix. Narrowing
 * to the whole seconds inside the window keeps neighbours out; a window shorter than that keeps
 * its widened reading rather than none (and so does one whose inside seconds hold no request).
 */
export function wholeSecondsWithin(fromMs: number, toMs: number): { fromMs: number; toMs: number } {
  const from = Math.ceil(fromMs / 1000) * 1000;
  const to = Math.floor(toMs / 1000) * 1000;
  return to > from ? { fromMs: from, toMs: to } : { fromMs, toMs };
}

const NO_TREND: TrendSummary = { samples: 0, min: NaN, max: NaN, avg: NaN, percentile: () => NaN };
const NO_RATE: RateSummary = { samples: 0, matches: 0 };
const noGauge: GaugeSummary = { samples: 0, value: 0, min: 0, max: 0 };

/**
 * The load run read the scenario's way: each window narrowed to the whole seconds inside it
 * (see wholeSecondsWithin), per request kind falling back to the widened window when those
 * seconds hold nothing of that kind — a burst released late in a second sits wholly in that
 * partial first second, and the widened reading is then the only data.
 */
function scenarioLoadReader(loadWindow: ScenarioData['loadWindow']): LoadWindowReader {
  return {
    window(fromMs, toMs) {
      const inside = wholeSecondsWithin(fromMs, toMs);
      const inner = loadWindow(inside.fromMs, inside.toMs);
      let widened: WindowView | undefined;
      const pick = (kind: string | undefined): WindowView =>
        inner.counts(kind).requests > 0 ? inner : (widened ??= loadWindow(fromMs, toMs));
      return {
        latency: (which, kind) => pick(kind).latency(which, kind),
        counts: (kind) => pick(kind).counts(kind),
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
        case 'jwks_fetches_per_instance': {
          if (!onlyTags(query, ['issuer'])) return noGauge;
          const w = idpWindow(data.idpSeconds, query.fromMs, query.toMs, query.tags.issuer);
          const counts = Object.values(w.perInstance);
          const max = counts.length === 0 ? 0 : Math.max(...counts);
          const min = counts.length === 0 ? 0 : Math.min(...counts);
          return { samples: w.samples, value: max, min, max };
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
  return createLoadMetricSource(
    scenarioLoadReader((from, to) => data.loadWindow(from, to)),
    { extra },
  );
}
