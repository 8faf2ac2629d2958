/**
 * The load engine's public API. Run phases against a target with {@link runLoad} (or
 * {@link startLoad} for live progress and windows while it runs); requests come from a
 * {@link RequestSource}, e.g. the token pool's.
 */
export { runLoad, startLoad } from './engine.ts';
export type { RequestSample } from './engine.ts';
export type { LoadOptions, LoadRun } from './engine.ts';
export { LoadResult } from './result.ts';
export type { LoadSummary, PercentilesCountingDrops, PhaseReport, WarmupReport } from './result.ts';
export type { LiveSnapshot, SeriesPoint, StatsJson, WindowView } from './recorder.ts';
export type { CountsJson } from './counts.ts';
export { isExpected, isSecurityFailure } from './counts.ts';
export type { LatencySummary, LatencyBrief, LatencyView } from './histogram.ts';
export { resolvePhases, LIMITS as LOAD_LIMITS } from './phases.ts';
export type { PhaseInput, ResolvedPhase } from './phases.ts';
export type { ErrorClass, RequestContext, RequestSource, RequestSpec } from './types.ts';
