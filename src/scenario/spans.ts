/**
 * The named spans SLO windows refer to, in run time: the run, its load phases and faults, the
 * baseline (before the first fault or action) and the recovery (after the last fault ends).
 * Built once after the run from what really happened, and live while it plays (abort-on-fail
 * SLOs on `during:<phase>` windows need the phases as they open).
 */
import type { WindowSpan } from '../result/types.ts';
import type { TimelineSpan } from '../slo/window.ts';

export function scenarioSpans(
  durationMs: number,
  phases: readonly { name: string; startMs: number; endMs: number }[],
  faults: readonly WindowSpan[],
  firstEvent: number | undefined,
): WindowSpan[] & TimelineSpan[] {
  const out: WindowSpan[] = [{ name: 'run', kind: 'run', fromMs: 0, toMs: durationMs }];
  for (const p of phases) out.push({ name: p.name, kind: 'phase', fromMs: p.startMs, toMs: p.endMs });
  out.push(...faults);
  const baselineEnd = firstEvent ?? durationMs;
  if (baselineEnd > 0)
    out.push({ name: 'baseline', kind: 'baseline', fromMs: 0, toMs: Math.min(baselineEnd, durationMs) });
  if (faults.length > 0) {
    const lastEnd = Math.max(...faults.map((f) => f.toMs));
    if (lastEnd < durationMs)
      out.push({ name: 'recovery', kind: 'recovery', fromMs: lastEnd, toMs: durationMs });
  }
  return out;
}

/**
 * Phase spans as they open during a run, from the engine's current phase name read on each
 * tick: a phase opens when its name is first seen and closes when the next one is.
 */
export class LivePhases {
  readonly #closed: { name: string; startMs: number; endMs: number }[] = [];
  #open: { name: string; startMs: number } | undefined;

  /** Notes the phase the engine reports at `nowMs` (empty before the first phase starts). */
  observe(phase: string, nowMs: number): void {
    if (phase === '' || phase === this.#open?.name) return;
    if (this.#open !== undefined) this.#closed.push({ ...this.#open, endMs: nowMs });
    this.#open = { name: phase, startMs: nowMs };
  }

  /** Spans so far, the open one ending at `nowMs`. */
  spans(nowMs: number): { name: string; startMs: number; endMs: number }[] {
    return this.#open === undefined ? [...this.#closed] : [...this.#closed, { ...this.#open, endMs: nowMs }];
  }
}
