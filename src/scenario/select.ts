/**
 * Which scenarios a run plays: the config's `scenarios` list (or the names on the command line),
 * each a built-in name or pattern (`auth-*`, `*`), a scenario file, or an inline object.
 */
import { ValidationError } from '../errors.ts';
import type { Problem } from '../errors.ts';
import type { ScenarioRef } from '../config/types.ts';
import type { ScenarioInput } from './define.ts';
import { BUILT_IN_SCENARIOS } from '../../scenarios/index.ts';
import { importDefault, NoDefaultExportError } from '../config/user-module.ts';

/** `auth-*` → every built-in whose name matches (`*` = any characters). */
export function matchBuiltIns(pattern: string): ScenarioInput[] {
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegex).join('.*')}$`);
  return BUILT_IN_SCENARIOS.filter((s) => regex.test(s.name));
}

function escapeRegex(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** Turns refs into scenario objects (not yet validated); unknown names are problems. */
export async function selectScenarios(refs: readonly ScenarioRef[], where = 'scenarios'): Promise<unknown[]> {
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
  return out;
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
