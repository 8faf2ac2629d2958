/**
 * The load phases as scheduled: k6 runs them at fixed offsets (the exported script gives each
 * phase its `startTime`), so their spans in scenario time are the plan's, not observed.
 */
import type { PhaseInput } from '../../load/phases.ts';
import { resolvePhases } from '../../load/phases.ts';
import type { PhaseReport } from '../../load/result.ts';

export interface PlannedPhase {
  name: string;
  type: PhaseReport['type'];
  startMs: number;
  endMs: number;
}

/** Each phase's span in scenario ms, one after another from 0. */
export function plannedPhases(phases: readonly PhaseInput[]): PlannedPhase[] {
  let at = 0;
  return resolvePhases(phases).map((p) => {
    const span = { name: p.name, type: p.type, startMs: at, endMs: at + p.durationMs };
    at = span.endMs;
    return span;
  });
}

/** The phase scheduled at `ms` (the last one after the end; '' without phases). */
export function phaseAt(phases: readonly PlannedPhase[], ms: number): string {
  return (phases.find((p) => ms < p.endMs) ?? phases[phases.length - 1])?.name ?? '';
}
