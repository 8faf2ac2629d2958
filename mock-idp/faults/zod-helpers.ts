/**
 * Small zod building blocks shared by the fault envelope and the kinds, and the admin plane's
 * `{ path, message }` problems (the shared converter of src/util/problems.ts).
 */
import { z } from 'zod';
import { tryParseDuration } from '../../src/util/duration.ts';
import { zodProblems } from '../../src/util/problems.ts';

/** A duration as users write it (`250ms`, `5s`, or plain milliseconds), parsed to milliseconds. */
export function zDuration(options: { max?: number } = {}) {
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    const ms = tryParseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(value)} is not a duration (e.g. 250ms, 5s)`,
      });
      return z.NEVER;
    }
    if (options.max !== undefined && ms > options.max) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${options.max}ms (got ${ms}ms)` });
      return z.NEVER;
    }
    return ms;
  });
}

/** One value or a non-empty list of them, always returned as a list. */
export function zOneOrMany<T extends z.ZodType>(item: T) {
  return z
    .union([item, z.array(item).min(1)])
    .transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);
}

/** Converts zod issues into problems with dotted paths (`attributes.ms`, `scope.endpoint[1]`). */
export function issuesToProblems(
  issues: readonly z.core.$ZodIssue[],
  prefix = '',
): { path: string; message: string }[] {
  return zodProblems(issues, { prefix, unknownKeyNoun: 'field' });
}
