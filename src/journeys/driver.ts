/**
 * The journey driver: runs each journey's spec every `every` (drill time × timeScale) beside a
 * scenario's load, one run at a time per journey, and collects one sample per run. Bounded in
 * count (maxRunsPerJourney) and in time (each run has a timeout; `stop()` ends the schedule).
 */
import { join } from 'node:path';
import { parseDuration } from '../util/duration.ts';
import { requireChromium } from './browser.ts';
import { runJourneyOnce } from './run-once.ts';
import type { JourneyInput, JourneySample } from './types.ts';
import { assertJourneys, journeyName, resolveSpec } from './validate.ts';

export interface JourneyDriverOptions {
  readonly journeys: readonly JourneyInput[];
  /** The SUT's URL, the specs' `baseURL`. */
  readonly baseUrl: string;
  /** Report directory: failed runs leave `journeys/<name>-<n>/` with screenshot and trace there. */
  readonly reportDir: string;
  /** Drill time × timeScale = run time (default 1). */
  readonly timeScale?: number;
  /** The scenario's clock, ms since its start (default: ms since startJourneys). */
  readonly elapsedMs?: () => number;
  /** Aborting kills runs in flight; their samples are dropped (they were cut, not failed). */
  readonly signal?: AbortSignal;
  /** Cap on runs per journey (default 1000). */
  readonly maxRunsPerJourney?: number;
  /** Playwright's timeout of one run, ms (default 30 s). */
  readonly timeoutMs?: number;
  /** Extra environment for the specs (e.g. KEYSTORM_JOURNEY_SETTLE_MS). */
  readonly env?: Readonly<Record<string, string>>;
  /** Called with each sample as it is taken (progress, reporters). */
  readonly onSample?: (sample: JourneySample) => void;
  /** Directory spec paths are relative to (default: the working directory). */
  readonly cwd?: string;
}

export interface JourneyDriver {
  /** Samples taken so far, in the order the runs ended. */
  readonly samples: readonly JourneySample[];
  /** Starts no new run; resolves when the runs in flight have ended (their samples count). */
  stop(): Promise<void>;
}

/**
 * Starts the journeys. Throws before starting anything when the input is invalid or no Chromium
 * is installed (HarnessError, exit code 2).
 */
export function startJourneys(o: JourneyDriverOptions): JourneyDriver {
  const cwd = o.cwd ?? process.cwd();
  assertJourneys(o.journeys, { cwd });
  const chromium = requireChromium();
  const startedAt = performance.now();
  const elapsed = o.elapsedMs ?? (() => performance.now() - startedAt);
  const samples: JourneySample[] = [];
  let stopped = false;
  const aborted = (): boolean => o.signal?.aborted === true;
  const wakers = new Set<() => void>();

  const sleepUntil = (atMs: number): Promise<void> =>
    new Promise((resolveSleep) => {
      const wake = (): void => {
        clearTimeout(timer);
        wakers.delete(wake);
        resolveSleep();
      };
      const timer = setTimeout(wake, Math.max(0, atMs - elapsed()));
      wakers.add(wake);
    });

  const loop = async (journey: JourneyInput): Promise<void> => {
    const name = journeyName(journey);
    const everyMs = Math.max(1, parseDuration(journey.every, 'every') * (o.timeScale ?? 1));
    const origin = elapsed();
    const max = o.maxRunsPerJourney ?? 1000;
    for (let n = 1, due = origin; n <= max && !stopped && !aborted(); n++) {
      await sleepUntil(due);
      if (stopped || aborted()) break;
      const atMs = Math.round(elapsed());
      const reading = await runJourneyOnce({
        spec: resolveSpec(journey.spec, cwd),
        baseUrl: o.baseUrl,
        outputDir: join(o.reportDir, 'journeys', `${name}-${n}`),
        chromium: chromium.path,
        timeoutMs: o.timeoutMs ?? 30_000,
        ...(o.signal === undefined ? {} : { signal: o.signal }),
        ...(o.env === undefined ? {} : { env: o.env }),
      });
      if (aborted()) break;
      const sample: JourneySample = { journey: name, atMs, ...reading };
      samples.push(sample);
      o.onSample?.(sample);
      // An overrun skips the starts it missed rather than running back to back.
      const now = elapsed();
      while (due <= now) due += everyMs;
    }
  };

  const loops = Promise.all(o.journeys.map(loop));
  const wakeAll = (): void => {
    for (const wake of [...wakers]) wake();
  };
  o.signal?.addEventListener('abort', wakeAll, { once: true });
  return {
    samples,
    stop: async () => {
      stopped = true;
      wakeAll();
      await loops;
      o.signal?.removeEventListener('abort', wakeAll);
    },
  };
}
