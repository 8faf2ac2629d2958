/** zod → AdminInputError with every problem at a dotted path (`options.count`, `scopes[1]`). */
import type { z } from 'zod';
import { AdminInputError } from '../contracts.ts';

function joinPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** Parses `value` or throws AdminInputError naming every bad field (unknown fields included). */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, prefix = ''): z.output<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const problems: { path: string; message: string }[] = [];
  for (const issue of result.error.issues) {
    const base = joinPath(prefix, issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ path: joinPath(base, [key]), message: 'unknown field' });
    } else {
      problems.push({ path: base || '(body)', message: issue.message });
    }
  }
  throw new AdminInputError(problems);
}
