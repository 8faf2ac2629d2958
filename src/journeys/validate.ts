/**
 * Checks a scenario's `journeys` before anything starts: every problem at once, by path, as a
 * ValidationError (exit 2). The zod schema is what the scenario validator adds for the field.
 */
import { existsSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ValidationError, type Problem } from '../errors.ts';
import { tryParseDuration } from '../util/duration.ts';
import type { JourneyInput } from './types.ts';

/** Shortest `every`: a browser run takes seconds, and more often would only queue. */
export const MIN_EVERY_MS = 1000;

/** Shape of `journeys` in a scenario (for the scenario schema). */
export const journeysSchema = z.array(
  z.strictObject({
    spec: z.string().min(1),
    every: z.union([z.string(), z.number()]),
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/)
      .optional(),
  }),
);

/** keystorm's own directory: built-in specs (`scenarios/browser/…`) resolve here from any project. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Where a spec is: an absolute path as given; a relative one under `cwd` when it exists there,
 * else under keystorm's own directory (so `scenarios/browser/ask-answer.spec.ts` works from a
 * user's project too).
 */
export function resolveSpec(spec: string, cwd: string = process.cwd()): string {
  if (isAbsolute(spec)) return spec;
  const local = resolve(cwd, spec);
  if (existsSync(local)) return local;
  const bundled = resolve(PACKAGE_ROOT, spec);
  if (existsSync(bundled)) return bundled;
  // The installed package ships the built-in specs compiled (dist/…/ask-answer.spec.js).
  const compiled = bundled.replace(/\.([cm]?)ts$/, '.$1js');
  return compiled !== bundled && existsSync(compiled) ? compiled : local;
}

/** A journey's name: its `name`, else the spec's file name without `.spec.ts` / `.test.ts`. */
export function journeyName(journey: { spec: string; name?: string | undefined }): string {
  return journey.name ?? basename(journey.spec).replace(/\.(spec|test)\.[cm]?[jt]s$/, '');
}

/** Problems with `journeys` (shape, spec files that do not exist, `every` too short), by path. */
export function checkJourneys(input: unknown, options: { cwd?: string; path?: string } = {}): Problem[] {
  const path = options.path ?? 'journeys';
  const parsed = journeysSchema.safeParse(input);
  if (!parsed.success) {
    return parsed.error.issues.map((i) => ({
      path: [path, ...i.path]
        .map((p, n) => (typeof p === 'number' ? `[${p}]` : n === 0 ? p : `.${String(p)}`))
        .join(''),
      message: i.message,
    }));
  }
  const problems: Problem[] = [];
  const names = new Set<string>();
  for (const [index, journey] of parsed.data.entries()) {
    const at = `${path}[${index}]`;
    const file = resolveSpec(journey.spec, options.cwd);
    if (!existsSync(file)) problems.push({ path: `${at}.spec`, message: `${file} does not exist` });
    const every = tryParseDuration(journey.every);
    if (every === undefined || every < MIN_EVERY_MS)
      problems.push({
        path: `${at}.every`,
        message: `must be a duration of at least ${MIN_EVERY_MS}ms (e.g. 10s)`,
      });
    const name = journeyName(journey);
    if (names.has(name))
      problems.push({ path: `${at}.name`, message: `journey ${name} is listed twice (give each a name)` });
    names.add(name);
  }
  return problems;
}

/** Throws a ValidationError listing every problem of `journeys`. */
export function assertJourneys(journeys: readonly JourneyInput[], options: { cwd?: string } = {}): void {
  const problems = checkJourneys(journeys, options);
  if (problems.length > 0) throw new ValidationError('journeys', problems);
}
