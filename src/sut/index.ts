/**
 * SUT lifecycle: spawn or attach, readiness, log capture with pattern counts, Prometheus
 * scrapes, restart (cold start) and stop. Start with `createSut(config.sut, runtime)`.
 */
export { createSut, startSut, MAX_REPLICAS } from './create-sut.ts';
export type {
  AttachSutOptions,
  ReplicaIdentity,
  SpawnSutOptions,
  StartOptions,
  Sut,
  SutOptions,
  SutReplica,
  SutRuntime,
} from './types.ts';
export { SutError } from './sut-error.ts';
export { probeReady, type ReadyProbe, type ReadyTarget } from './readiness.ts';
export { counterIncrease, scrapeMetrics, MetricsSnapshot, type LabelFilter } from './metrics.ts';
export { parsePrometheusText, type MetricSample, type ParsedMetrics } from './prometheus-text.ts';
export {
  renderTemplate,
  placeholdersIn,
  knownPlaceholders,
  TemplateRenderer,
  type TemplateContext,
} from './template.ts';
export { LogCapture } from './log-capture.ts';
export type { LogLine } from './line-ring.ts';
export type { LogPattern } from './pattern-counter.ts';
export { trackedPids } from './child-registry.ts';
export type { ExitInfo, StopResult } from './stop-process.ts';
