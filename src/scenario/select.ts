/**
 * Which scenarios a run plays: the config's `scenarios` list (or the names on the command line),
 * each a built-in name or pattern (`auth-*`, `*`), a scenario file, or an inline object,
 * optionally narrowed to the scenarios carrying a tag (`--tag canary`).
 */
import { ValidationError } from '../errors.ts';
import type { Problem } from '../errors.ts';
import type { ScenarioRef } from '../config/types.ts';
import type { ScenarioInput } from './define.ts';
import { BUILT_IN_SCENARIOS, OPT_IN_SCENARIOS } from '../../scenarios/index.ts';
import { importDefault, NoDefaultExportError } from '../config/user-module.ts';

/**
 * `auth-*` → every built-in of the default suite whose name matches (`*` = any characters); an
 * opt-in drill (promtool, Chromium) only by its exact name.
 */
export function matchBuiltIns(pattern: string): ScenarioInput[] {
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegex).join('.*')}$`);
  return [
    ...BUILT_IN_SCENARIOS.filter((s) => regex.test(s.name)),
    ...OPT_IN_SCENARIOS.filter((s) => s.name === pattern),
  ];
}

function escapeRegex(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

export interface SelectOptions {
  /** `--tag`: keep only scenarios carrying at least one of these tags. */
  tags?: readonly string[];
}

/** Turns refs into scenario objects (not yet validated); unknown names are problems. */
export async function selectScenarios(
  refs: readonly ScenarioRef[],
  where = 'scenarios',
  options: SelectOptions = {},
): Promise<unknown[]> {
  const problems: Problem[] = [];
  const out: unknown[] = [];
  const seen = new Set<unknown>();
  for (const [i, ref] of refs.entries()) {
    if (ref.kind === 'builtin') {
      const matched = matchBuiltIns(ref.pattern);
      if (matched.length === 0) {
        problems.push({
          path: `${where}[${i}]`,
          message: `no built-in scenario matches ${JSON.stringify(ref.pattern)} (see 'keystorm list')`,
        });
      }
      for (const s of matched) {
        if (!seen.has(s)) out.push(s);
        seen.add(s);
      }
    } else if (ref.kind === 'file') {
      try {
        out.push(await loadScenarioFile(ref.path));
      } catch (error) {
        problems.push({
          path: `${where}[${i}]`,
          message: `cannot load ${ref.path}: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
    } else {
      out.push(ref.scenario);
    }
  }
  if (problems.length > 0) throw new ValidationError('the scenario selection', problems);
  const tags = options.tags ?? [];
  // `run --tag alerts` on the default selection (`*`) plays the opt-in drills with that tag too:
  // asking for the tag is asking for what needs promtool or Chromium.
  if (tags.length > 0 && refs.some((r) => r.kind === 'builtin' && r.pattern === '*')) {
    out.push(...OPT_IN_SCENARIOS.filter((s) => !seen.has(s) && (s.tags ?? []).some((t) => tags.includes(t))));
  }
  return withTags(out, tags);
}

/** The scenarios carrying one of `tags` (all of them when no tag is asked for). */
function withTags(scenarios: unknown[], tags: readonly string[]): unknown[] {
  if (tags.length === 0) return scenarios;
  const tagged = scenarios.filter((s) => {
    const own = (s as { tags?: unknown } | null)?.tags;
    return Array.isArray(own) && own.some((t) => tags.includes(t as string));
  });
  if (tagged.length === 0) {
    throw new ValidationError('the scenario selection', [
      {
        path: '--tag',
        message: `no selected scenario has the tag ${tags.map((t) => JSON.stringify(t)).join(' or ')}`,
      },
    ]);
  }
  return tagged;
}

async function loadScenarioFile(path: string): Promise<unknown> {
  try {
    return await importDefault(path);
  } catch (error) {
    if (error instanceof NoDefaultExportError)
      throw new Error('the module has no default export (export default defineScenario({...}))', {
        cause: error,
      });
    throw error;
  }
}
