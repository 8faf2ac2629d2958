/**
 * Abort-on-fail during a run (k6's `abortOnFail` + `delayAbortEval`). The runner calls
 * `checkAbort(nowMs)` on a tick; an SLO with `abortOnFail` is judged on the part of its window
 * already lived, once `delayAbortEval` has passed since the window opened (k6 counts the delay
 * from the start of the test; ours counts from the start of the window, because a window such as
 * `during:jwks-outage` opens mid-run). Missing data never aborts: the window may simply be young;
 * the final evaluation applies the zero-sample rule.
 */
import type { Slo } from './definition.ts';
import { evaluateSlo } from './evaluate.ts';
import type { SloResult } from './evaluate.ts';
import type { MetricSource } from './source.ts';
import { resolveWindow } from './window.ts';
import type { TimelineSpan } from './window.ts';

/** The SLO that stopped the run, with the verdict that tripped it. */
export interface AbortTrip {
  readonly slo: Slo;
  readonly result: SloResult;
  /** The `nowMs` of the check that tripped. */
  readonly atMs: number;
}

export interface AbortMonitor {
  /**
   * Judges every abort-on-fail SLO on the data up to `nowMs` (ms since the scenario started).
   * Returns the first trip; once tripped, keeps returning that same trip.
   */
  checkAbort(nowMs: number): AbortTrip | undefined;
  /** The trip, if any check has tripped. */
  readonly tripped: AbortTrip | undefined;
  /** True when no SLO asks to abort (the runner may skip the ticks). */
  readonly idle: boolean;
}

/**
 * Creates the live evaluator. `timeline` is read on every check (pass a function when spans are
 * still being added: a fault's span appears when it starts and closes when it is removed).
 */
export function createAbortMonitor(
  slos: readonly Slo[],
  source: MetricSource,
  timeline: readonly TimelineSpan[] | (() => readonly TimelineSpan[]),
): AbortMonitor {
  const watched = slos.filter((s) => s.abortOnFail && s.strict);
  const spans = typeof timeline === 'function' ? timeline : () => timeline;
  let tripped: AbortTrip | undefined;
  return {
    get tripped() {
      return tripped;
    },
    idle: watched.length === 0,
    checkAbort(nowMs) {
      if (tripped !== undefined) return tripped;
      const current = spans();
      for (const slo of watched) {
        const window = resolveWindow(slo.window, current, nowMs);
        if ('error' in window) continue; // the span is not on the timeline yet
        if (nowMs < window.fromMs + slo.delayAbortEvalMs || window.toMs <= window.fromMs) continue;
        const failed = evaluateSlo(slo, source, current, { nowMs }).find(
          (r) => r.status === 'fail' && !r.noSamples,
        );
        if (failed !== undefined) {
          tripped = { slo, result: failed, atMs: nowMs };
          return tripped;
        }
      }
      return undefined;
    },
  };
}
