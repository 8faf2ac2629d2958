/**
 * `keystorm run --driver k6-output DIR`: the load runs elsewhere (k6-operator runners, other
 * machines), each runner writing its `--out json` file into DIR (a shared volume, or copied
 * there). keystorm plays the timeline as usual and announces when it started; after the
 * scheduled load plus a grace it waits until DIR holds at least one output and no output has
 * changed for a few seconds, then reads them all as one load.
 */
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { HarnessError } from '../../errors.ts';
import type { LoadDriver, LoadDriverContext } from '../../scenario/load-driver.ts';
import { listK6Outputs } from '../ingest/index.ts';
import { ingestedLoadRun } from './ingested-run.ts';
import type { ProducedOutputs } from './ingested-run.ts';
import { plannedPhases } from './planned-phases.ts';

export interface K6OutputSettings {
  dir: string;
  warn: (line: string) => void;
  /** After the scheduled end, before looking at DIR (runners flush and stop). */
  graceMs?: number;
  /** How long no output may change before they count as complete. */
  quietMs?: number;
  /** Longest wait for complete outputs after the grace. */
  maxWaitMs?: number;
}

const DEFAULTS = { graceMs: 2000, quietMs: 3000, maxWaitMs: 10 * 60_000 } as const;
const POLL_MS = 500;

export function k6OutputDriver(settings: K6OutputSettings): LoadDriver {
  const s = { ...DEFAULTS, ...settings };
  return {
    name: 'k6-output',
    live: false,
    start: (context, options) => {
      const scheduledMs = plannedPhases(options.phases).at(-1)?.endMs ?? 0;
      s.warn(
        `keystorm: ${context.scenario}: timeline started at ${new Date(context.epochOriginMs).toISOString()}; ` +
          `start the k6 runners now (load of ${Math.round(scheduledMs / 1000)}s); ` +
          `their outputs are read from ${s.dir} once complete`,
      );
      return ingestedLoadRun({
        options,
        context,
        warn: s.warn,
        produce: (signal) => awaitOutputs(s, context, scheduledMs, signal),
      });
    },
  };
}

async function awaitOutputs(
  s: Required<K6OutputSettings>,
  context: LoadDriverContext,
  scheduledMs: number,
  signal: AbortSignal,
): Promise<ProducedOutputs> {
  const until = scheduledMs + s.graceMs - context.elapsedMs();
  if (until > 0) await sleep(until, undefined, { signal }).catch(() => undefined);
  return waitForQuietOutputs(s.dir, s, signal);
}

/**
 * The outputs in `dir` once none has changed (size, mtime) for `quietMs`; with what is there
 * when interrupted. Throws when there is still no output after `maxWaitMs`.
 */
export async function waitForQuietOutputs(
  dir: string,
  s: { quietMs: number; maxWaitMs: number },
  signal: AbortSignal,
): Promise<ProducedOutputs> {
  const began = performance.now();
  let last = '';
  let quietSince = performance.now();
  for (;;) {
    const files = await listK6Outputs(dir).catch(() => []);
    const shape = JSON.stringify(await Promise.all(files.map(fingerprint)));
    const now = performance.now();
    if (shape !== last) {
      last = shape;
      quietSince = now;
    }
    if (signal.aborted) return { files, notes: ['k6 output: interrupted while waiting for the runners'] };
    if (files.length > 0 && now - quietSince >= s.quietMs) return { files, notes: [] };
    if (now - began > s.maxWaitMs) {
      if (files.length === 0)
        throw new HarnessError('ERR_TIMEOUT', `no k6 output (*.json, *.ndjson[.gz]) appeared in ${dir}`);
      return {
        files,
        notes: [
          `k6 output: files in ${dir} were still changing after ${s.maxWaitMs / 1000}s; read as they were`,
        ],
      };
    }
    await sleep(POLL_MS, undefined, { signal }).catch(() => undefined);
  }
}

async function fingerprint(path: string): Promise<[string, number, number]> {
  const st = await stat(path).catch(() => undefined);
  return [path, st?.size ?? -1, st?.mtimeMs ?? -1];
}
