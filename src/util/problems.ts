/**
 * zod issues → keystorm problems: one per mistake, located by a dotted path
 * (`scenarios[2].timeline[0].at`) and worded for people, not for zod. The one converter every
 * layer uses (config, scenarios, SLOs, faults, load phases, mock-idp's admin plane), so a
 * mistake reads the same wherever it is made.
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

/** A value as a message quotes it: short, and never the whole of a large object. */
export function describeValue(value: unknown): string {
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

/** Edit distance, for "did you mean" on unknown keys and names. */
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

/** The closest known name within a small edit distance, if any. */
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

export interface ProblemOptions {
  /** Prefix for every path (e.g. `scenarios[3]` when validating one scenario). */
  prefix?: string;
  /** Known keys of the object at a path, for "did you mean" (see config's `knownKeysAt`). */
  knownKeys?: (path: readonly PropertyKey[]) => readonly string[] | undefined;
  /** How a problem of the whole value is located. Default `(root)`. */
  rootPath?: string;
  /** What an unknown key is called: `option` in a config, `field` in a request body. Default `key`. */
  unknownKeyNoun?: string;
}

/** zod's own wording, which we replace; a schema's own `error` text is kept. */
const ZOD_DEFAULT = /^(Invalid|Too (big|small)|Unrecognized)/;

function sizeWord(origin: unknown): string {
  return origin === 'array' ? 'entries' : origin === 'string' ? 'characters' : '';
}

/** One zod issue → one or more problems. */
function issueToProblems(issue: z.core.$ZodIssue, options: ProblemOptions, prefix: string): Problem[] {
  const at = formatPath(issue.path, prefix) || (options.rootPath ?? '(root)');
  const own = !ZOD_DEFAULT.test(issue.message);
  const got = 'input' in issue && issue.input !== undefined ? `, got ${describeValue(issue.input)}` : '';
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = options.knownKeys?.(issue.path) ?? [];
      return issue.keys.map((key) => {
        const hint = suggest(key, known);
        return {
          path: formatPath([...issue.path, key], prefix),
          message: `unknown ${options.unknownKeyNoun ?? 'key'}${hint === undefined ? '' : ` (did you mean '${hint}'?)`}`,
        };
      });
    }
    case 'invalid_union': {
      // Every branch failed: report the one that got furthest into the value (a bad
      // `action.kind` beats "not a fault either"), the first on a tie.
      const branch = deepestBranch(issue.errors);
      if (!own && branch.length > 0 && branch.some((i) => i.path.length > 0)) {
        const base = formatPath(issue.path, prefix);
        return branch.flatMap((i) => issueToProblems(i, options, base));
      }
      if (!own && branch.some((i) => i.input === undefined && /received undefined/.test(i.message))) {
        return [{ path: at, message: 'is required' }];
      }
      return [{ path: at, message: own ? `${issue.message}${got}` : `is not valid${got}` }];
    }
    case 'invalid_type': {
      if (issue.input === undefined) return [{ path: at, message: own ? issue.message : 'is required' }];
      if (own)
        return [
          { path: at, message: issue.message.includes(', got ') ? issue.message : `${issue.message}${got}` },
        ];
      const expected = ARTICLE[issue.expected] ?? issue.expected;
      return [{ path: at, message: `must be ${expected}, got ${describeValue(issue.input)}` }];
    }
    case 'invalid_value': {
      if (own) return [{ path: at, message: `${issue.message}${got}` }];
      const values = issue.values.map((v) => JSON.stringify(v)).join(', ');
      return [{ path: at, message: `must be one of ${values}, got ${describeValue(issue.input)}` }];
    }
    case 'too_small':
    case 'too_big': {
      if (own)
        return [
          { path: at, message: issue.message.includes(', got ') ? issue.message : `${issue.message}${got}` },
        ];
      const small = issue.code === 'too_small';
      const bound = String(small ? issue.minimum : issue.maximum);
      const what = sizeWord(issue.origin);
      if (what !== '')
        return [{ path: at, message: `must have at ${small ? 'least' : 'most'} ${bound} ${what}` }];
      const op = small ? (issue.inclusive === false ? '>' : '>=') : issue.inclusive === false ? '<' : '<=';
      return [{ path: at, message: `must be ${op} ${bound}${got}` }];
    }
    default: {
      // Refinements and formats carry their own message.
      const message = own ? issue.message : 'is not valid';
      return [{ path: at, message: message.includes(', got ') ? message : `${message}${got}` }];
    }
  }
}

function deepestBranch(branches: readonly (readonly z.core.$ZodIssue[])[]): readonly z.core.$ZodIssue[] {
  let best = branches[0] ?? [];
  let bestDepth = -1;
  for (const branch of branches) {
    const depth = Math.max(-1, ...branch.map((i) => i.path.length));
    if (depth > bestDepth) {
      best = branch;
      bestDepth = depth;
    }
  }
  return best;
}

/** Converts a failed parse (or its issues) into problems, in the order zod found them. */
export function zodProblems(
  error: z.ZodError | readonly z.core.$ZodIssue[],
  options: ProblemOptions = {},
): Problem[] {
  const issues = 'issues' in error ? error.issues : error;
  return issues.flatMap((issue) => issueToProblems(issue, options, options.prefix ?? ''));
}

/** Keeps the first of identical problems (same path and message), in order. */
export function dedupeProblems(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\0${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
