/**
 * Browser journeys as a scenario declares them and as the driver reports them. A journey is a
 * @playwright/test spec run again and again alongside the load; each run is one sample, judged
 * by the SLO metrics `journey_success_rate` and `journey_duration`.
 */
import type { Duration } from '../scenario/define.ts';

/** One journey of a scenario: `{ spec: 'scenarios/browser/ask-answer.spec.ts', every: '10s' }`. */
export interface JourneyInput {
  /** Path of the spec file (relative to the working directory, or absolute). */
  spec: string;
  /** Start a run this often (drill time); a run that takes longer delays the next, never overlaps. */
  every: Duration;
  /** Name in samples, reports and the `journey` SLO tag (default: the spec's file name without `.spec.ts`). */
  name?: string;
}

/** How one run ended: Playwright's own statuses, plus `error` when the spec could not run at all. */
export type JourneyOutcome = 'passed' | 'failed' | 'timedOut' | 'interrupted' | 'error';

/** One run of one journey. */
export interface JourneySample {
  readonly journey: string;
  /** When the run started, ms since the driver's origin (the scenario's start). */
  readonly atMs: number;
  /** How long the test itself took (Playwright's figure), ms; the whole run's time when it never ran. */
  readonly durationMs: number;
  readonly outcome: JourneyOutcome;
  /** Why it failed (the first error, without colour codes); absent when it passed. */
  readonly failure?: string;
  /** Screenshot of the failed page, saved in the report directory. */
  readonly screenshot?: string;
  /** Playwright trace of the failed run (`npx playwright show-trace <file>`). */
  readonly trace?: string;
}
