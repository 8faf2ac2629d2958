/**
 * Small zod building blocks shared by the fault envelope and the kinds, plus the conversion of
 * zod issues into the admin plane's `{ path, message }` problems (every problem, dotted paths).
 */
import { z } from 'zod';
import { tryParseDuration } from '../../src/util/duration.ts';

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
  const problems: { path: string; message: string }[] = [];
  for (const issue of issues) {
    const base = joinPath(prefix, issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ path: joinPath(base, [key]), message: 'unknown field' });
    } else if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // A "one or many" value failed both ways: report the branch that got furthest into the
      // value (`scope.endpoint[1]` beats "expected a string"), the first branch on a tie.
      problems.push(...issuesToProblems(deepestBranch(issue.errors), base));
    } else {
      problems.push({ path: base || '(root)', message: issue.message });
    }
  }
  return problems;
}

function deepestBranch(branches: readonly (readonly z.core.$ZodIssue[])[]): readonly z.core.$ZodIssue[] {
  let best = branches[0] ?? [];
  let bestDepth = -1;
  for (const branch of branches) {
    const depth = Math.max(...branch.map((i) => i.path.length));
    if (depth > bestDepth) {
      best = branch;
      bestDepth = depth;
    }
  }
  return best;
}

function joinPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}
