/**
 * SLO evaluation: k6's threshold grammar on keystorm's metrics, scoped to timeline windows.
 *
 *   resolveSlos(config.slos, { windowNames })   → Slo[]          (config time; ValidationError)
 *   createAbortMonitor(slos, source, timeline)  → checkAbort(now) (during the run)
 *   evaluateSlos(slos, source, timeline)        → SloResult[]    (at the end)
 *   timeToRecover(series, { faultEndMs, baseline }) → ms | undefined
 */
export { createAbortMonitor } from './abort.ts';
export type { AbortMonitor, AbortTrip } from './abort.ts';
export { checkSlo, checkSlos, resolveSlos, sloInputSchema } from './definition.ts';
export type { CheckOptions, Slo, SloInput } from './definition.ts';
export { evaluateSlo, evaluateSlos, summarizeResults } from './evaluate.ts';
export type { EvaluateOptions, Observation, SloResult } from './evaluate.ts';
export { compare, formatSelector, parseMetricSelector, parseThreshold, SloSyntaxError } from './grammar.ts';
export type { Aggregation, MetricSelector, Operator, Threshold } from './grammar.ts';
export { createLoadMetricSource } from './load-source.ts';
export type { LoadCounts, LoadSourceOptions, LoadWindow, LoadWindowReader } from './load-source.ts';
export { createMemorySource, interpolatedPercentile } from './memory-source.ts';
export type { MemorySample, MemorySource } from './memory-source.ts';
export { AGGREGATIONS_BY_KIND, isMetricName, METRIC_NAMES, METRICS, metricInfo } from './metrics.ts';
export type { AggregationName, MetricInfo, MetricKind, MetricName } from './metrics.ts';
export { baselineFromSeries, timeToRecover } from './recovery.ts';
export type { BaselineFigures, RecoveryOptions, RecoverySecond } from './recovery.ts';
export type {
  CounterSummary,
  GaugeSummary,
  MetricQuery,
  MetricSource,
  RateSummary,
  TrendSummary,
} from './source.ts';
export { formatWindow, parseWindow, resolveWindow, standardTimeline } from './window.ts';
export type { ResolvedWindow, TimelineSpan, WindowInput, WindowSpec } from './window.ts';
