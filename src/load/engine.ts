/**
 * The load engine's public entry: validates the options and phases (every problem listed by
 * path), then starts the core (engine-core.ts). See engine-core.ts for how a run works.
 */
import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import { tryParseDuration } from '../util/duration.ts';
import { startResolvedLoad } from './engine-core.ts';
import type { LoadOptions, LoadRun } from './engine-core.ts';
import { problemsOf, resolvePhases } from './phases.ts';
import type { ResolvedPhase } from './phases.ts';
import type { LoadResult } from './result.ts';

export type { LoadOptions, LoadRun, RequestSample } from './engine-core.ts';

const durationOption = (max: number) =>
  z.union([z.number(), z.string()]).refine(
    (v) => {
      const ms = tryParseDuration(v);
      return ms !== undefined && ms <= max;
    },
    `must be a duration of at most ${max / 1000}s (e.g. 250ms, 5s)`,
  );

const optionsSchema = z.object({
  connections: z.number().int().min(1).max(10_000).optional(),
  maxInFlight: z.number().int().min(1).max(1_000_000).optional(),
  timeout: durationOption(3_600_000)
    .refine((v) => (tryParseDuration(v) ?? 0) > 0, 'must be > 0')
    .optional(),
  lateThreshold: durationOption(60_000).optional(),
  drainTimeout: durationOption(3_600_000).optional(),
  abortGrace: durationOption(600_000).optional(),
  allowHosts: z.array(z.string()).optional(),
  finalWait: z.enum(['timer', 'block']).optional(),
});

/**
 * Starts a load run and returns at once; `done` settles with the result.
 * @throws ValidationError for invalid options or phases (every problem listed), HarnessError
 *   ERR_NOT_LOOPBACK for a target outside loopback that is not allow-listed
 */
export function startLoad(options: LoadOptions): LoadRun {
  const parsed = optionsSchema.safeParse(options);
  const problems = parsed.success ? [] : problemsOf(parsed.error, '');
  let phases: ResolvedPhase[] = [];
  try {
    phases = resolvePhases(options.phases);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0) throw new ValidationError('load options', problems);
  return startResolvedLoad(options, phases);
}

/** Runs a load to completion (or abort) and returns its result. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  return startLoad(options).done;
}
