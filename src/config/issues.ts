/**
 * zod issues → keystorm Problems: one per mistake, located by a dotted path
 * (`scenarios[2].timeline[0].at`) and worded for people, not for zod.
 */
import type { z } from 'zod';
import type { Problem } from '../errors.ts';

/** `['scenarios', 2, 'timeline', 0, 'at']` → `scenarios[2].timeline[0].at`, under `prefix`. */
export function formatPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else {
      const text = String(key);
      const plain = /^[A-Za-z_$][\w$-]*$/.test(text);
      out += plain ? `${out === '' ? '' : '.'}${text}` : `[${JSON.stringify(text)}]`;
    }
  }
  return out;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof RegExp) return String(value);
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const ARTICLE: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  record: 'an object',
};

/** Edit distance, for "did you mean" on unknown keys. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] ?? 0;
      row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] ?? 0;
}

/** The closest known key within a small edit distance, if any. */
export function suggest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const candidate of known) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

export interface IssueOptions {
  /** Prefix for every path (e.g. `scenarios[3]` when validating one scenario). */
  prefix?: string;
  /** Known keys of the object at a path, for "did you mean" (see `knownKeysAt`). */
  knownKeys?: (path: readonly PropertyKey[]) => readonly string[] | undefined;
}

/** Converts one zod issue into one or more problems. */
export function issueToProblems(issue: z.core.$ZodIssue, options: IssueOptions = {}): Problem[] {
  const prefix = options.prefix ?? '';
  const at = formatPath(issue.path, prefix);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = options.knownKeys?.(issue.path) ?? [];
      return issue.keys.map((key) => {
        const hint = suggest(key, known);
        return {
          path: formatPath([...issue.path, key], prefix),
          message: `unknown option${hint === undefined ? '' : ` (did you mean '${hint}'?)`}`,
        };
      });
    }
    case 'invalid_type': {
      if (issue.input === undefined) return [{ path: at, message: 'is required' }];
      const expected = ARTICLE[issue.expected] ?? issue.expected;
      return [{ path: at, message: `must be ${expected}, got ${describeValue(issue.input)}` }];
    }
    case 'invalid_value': {
      const options = issue.values.map((v) => JSON.stringify(v)).join(', ');
      return [{ path: at, message: `must be one of ${options}, got ${describeValue(issue.input)}` }];
    }
    case 'too_small': {
      const what = issue.origin === 'array' ? 'entries' : issue.origin === 'string' ? 'characters' : '';
      const op = issue.inclusive === false ? '>' : '>=';
      if (what !== '') return [{ path: at, message: `must have at least ${String(issue.minimum)} ${what}` }];
      return [
        { path: at, message: `must be ${op} ${String(issue.minimum)}, got ${describeValue(issue.input)}` },
      ];
    }
    case 'too_big': {
      const what = issue.origin === 'array' ? 'entries' : issue.origin === 'string' ? 'characters' : '';
      const op = issue.inclusive === false ? '<' : '<=';
      if (what !== '') return [{ path: at, message: `must have at most ${String(issue.maximum)} ${what}` }];
      return [
        { path: at, message: `must be ${op} ${String(issue.maximum)}, got ${describeValue(issue.input)}` },
      ];
    }
    case 'invalid_format':
    case 'invalid_union':
    case 'custom':
    default: {
      // Our schemas word these messages themselves (refinements, union errors).
      const input =
        'input' in issue && issue.input !== undefined ? `, got ${describeValue(issue.input)}` : '';
      const message = issue.message.includes(', got ') ? issue.message : `${issue.message}${input}`;
      return [{ path: at, message }];
    }
  }
}

/** Converts a failed parse into problems, in the order zod found them. */
export function errorToProblems(error: z.ZodError, options: IssueOptions = {}): Problem[] {
  return error.issues.flatMap((issue) => issueToProblems(issue, options));
}
