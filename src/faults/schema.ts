/**
 * Building blocks of fault validation: durations as users write them, toxic bounds, and
 * problems with dotted paths (`faults[1].attributes.latency`).
 */
import { z } from 'zod';
import type { Problem } from '../errors.ts';
import { MAX_TOXIC_BYTES, MAX_TOXIC_DURATION_MS } from '../proxy/toxics/bounds.ts';
import { tryParseDuration } from '../util/duration.ts';
import { zodProblems as problemsOf } from '../util/problems.ts';

/** A duration (`250ms`, `5s`, or a number of milliseconds), parsed to milliseconds. */
export const durationMs = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = tryParseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(value)} is not a duration (e.g. 250ms, 5s, or milliseconds as a number)`,
    });
    return z.NEVER;
  }
  return ms;
});

/** A delay or timeout a toxic holds in a timer: at most an hour (see proxy/toxics/bounds.ts). */
export const toxicDurationMs = durationMs.pipe(
  z.number().max(MAX_TOXIC_DURATION_MS, { error: `must be at most 1h (${MAX_TOXIC_DURATION_MS} ms)` }),
);

/** A byte count of a toxic (limit, slice sizes): at most 1 GiB. */
export const toxicBytes = z
  .number({ error: 'must be a number of bytes' })
  .int({ error: 'must be a whole number of bytes' })
  .max(MAX_TOXIC_BYTES, { error: `must be at most ${MAX_TOXIC_BYTES} bytes (1 GiB)` });

/** A probability in [0, 1]. */
export const probability = z
  .number({ error: 'must be a number between 0 and 1' })
  .min(0, { error: 'must be between 0 and 1' })
  .max(1, { error: 'must be between 0 and 1' });

/** Joins a prefix and a relative path (`faults[0]` + `attributes.x`). */
export function joinPath(prefix: string, path: string): string {
  if (prefix === '') return path;
  if (path === '') return prefix;
  return path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
}

/** Every zod issue as a Problem, paths prefixed. Unknown keys become one problem per key. */
export function zodProblems(error: z.ZodError, prefix = ''): Problem[] {
  return problemsOf(error, { prefix, unknownKeyNoun: 'field' });
}
