/**
 * The zod schema of a duration option as users write it (`'5s'`, `'1m30s'`, or milliseconds),
 * parsed to milliseconds and optionally bounded. Shared by the config and the canary sections so
 * both say the same thing about a bad value, and marked `kind: 'duration'` for the generated
 * reference (docs/config.md).
 */
import { z } from 'zod';
import { tryParseDuration } from './duration.ts';

export const DURATION_HINT = 'must be a duration (e.g. 250ms, 5s, 1m30s) or a number of milliseconds';

/** A duration option → milliseconds, within `[min, max]` when bounds are given. */
export function durationSchema(description: string, bounds: { min?: number; max?: number } = {}) {
  const { min = -Infinity, max = Infinity } = bounds;
  return z
    .union([z.string(), z.number()], { error: DURATION_HINT })
    .transform((value, ctx) => {
      const ms = tryParseDuration(value);
      if (ms === undefined) {
        ctx.issues.push({
          code: 'custom',
          message: `${DURATION_HINT}, got ${JSON.stringify(value)}`,
          input: value,
        });
        return z.NEVER;
      }
      if (ms < min || ms > max) {
        ctx.issues.push({
          code: 'custom',
          message: `must be between ${min}ms and ${max}ms, got ${JSON.stringify(value)}`,
          input: value,
        });
        return z.NEVER;
      }
      return ms;
    })
    .meta({ description, kind: 'duration' });
}
