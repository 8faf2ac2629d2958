/**
 * Reads a saved run (summary.json) back for `keystorm report`: from a run directory or the file
 * itself, checked enough that rendering cannot crash on it; every problem is listed by path.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Problem } from '../errors.ts';
import { ValidationError } from '../errors.ts';
import type { RunResult } from '../result/types.ts';

/** The summary.json of a run directory, or the path itself when it names a file. */
export async function summaryPath(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined)
    throw new ValidationError('the report input', [{ path, message: 'no such file or directory' }]);
  return info.isDirectory() ? join(path, 'summary.json') : path;
}

const SCENARIO_ARRAYS = ['slos', 'preconditions', 'windows', 'timeline', 'series'] as const;
const SCENARIO_OBJECTS = ['load', 'idp'] as const;

/** Structural problems of a parsed summary.json, by path (empty when it can be rendered). */
export function runProblems(value: unknown, file: string): Problem[] {
  if (typeof value !== 'object' || value === null) return [{ path: file, message: 'not a JSON object' }];
  const run = value as Record<string, unknown>;
  const problems: Problem[] = [];
  if (run.tool !== 'keystorm') problems.push({ path: `${file}: tool`, message: 'not a keystorm run result' });
  if (!Array.isArray(run.scenarios)) {
    problems.push({ path: `${file}: scenarios`, message: 'missing or not an array' });
    return problems;
  }
  (run.scenarios as unknown[]).forEach((s, i) => {
    const at = `${file}: scenarios[${i}]`;
    if (typeof s !== 'object' || s === null) {
      problems.push({ path: at, message: 'not an object' });
      return;
    }
    const o = s as Record<string, unknown>;
    if (typeof o.name !== 'string') problems.push({ path: `${at}.name`, message: 'missing' });
    if (typeof o.status !== 'string') problems.push({ path: `${at}.status`, message: 'missing' });
    for (const key of SCENARIO_ARRAYS)
      if (!Array.isArray(o[key])) problems.push({ path: `${at}.${key}`, message: 'missing or not an array' });
    for (const key of SCENARIO_OBJECTS)
      if (typeof o[key] !== 'object' || o[key] === null)
        problems.push({ path: `${at}.${key}`, message: 'missing or not an object' });
  });
  return problems;
}

/** Loads and checks a saved run; throws a ValidationError (exit 2) naming every problem. */
export async function loadRun(path: string): Promise<{ run: RunResult; file: string }> {
  const file = await summaryPath(path);
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new ValidationError('the report input', [
      { path: file, message: error instanceof Error ? error.message : String(error) },
    ]);
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ValidationError('the report input', [
      { path: file, message: `not JSON (${error instanceof Error ? error.message : String(error)})` },
    ]);
  }
  const problems = runProblems(value, file);
  if (problems.length > 0) throw new ValidationError('the report input', problems);
  return { run: value as RunResult, file };
}
