/**
 * The config's `slos` section applied to a scenario: `slos.extra` appended to its SLOs, then
 * `slos.override` (`*` first, then the scenario's own entry) dropping or changing SLOs by name.
 * Pure functions over SLO inputs, so the runner judges exactly what `effectiveSlos` returns and
 * a test can check it without a run.
 */
import type { Problem } from '../errors.ts';
import { checkSlo } from '../slo/definition.ts';
import { formatPath, suggest } from '../util/problems.ts';
import type { FullSlosConfig, SloOverride } from './types.ts';

/** Matches every scenario in `slos.override`. */
export const ANY_SCENARIO = '*';

/**
 * The name an SLO is known by (its `name`, else `<metric> <thresholds> @ <window>`), or
 * undefined for an input too broken to have one (validation reports it elsewhere).
 */
export function sloName(input: unknown): string | undefined {
  const checked = checkSlo(input, 'slo');
  if ('slo' in checked) return checked.slo.name;
  const name = (input as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : undefined;
}

function patch(input: unknown, name: string, override: SloOverride): unknown {
  const out: Record<string, unknown> = { ...(input as Record<string, unknown>), name };
  // A new threshold replaces the old one whichever form either was written in.
  if (override.threshold !== undefined || override.thresholds !== undefined) {
    delete out['threshold'];
    delete out['thresholds'];
  }
  for (const [key, value] of Object.entries(override)) if (value !== undefined) out[key] = value;
  return out;
}

/**
 * The SLOs a scenario is judged by: its own plus `slos.extra`, with the overrides applied.
 * A changed SLO keeps the name it was overridden by, so reports and overrides agree on it.
 */
export function effectiveSlos(scenario: string, slos: readonly unknown[], config: FullSlosConfig): unknown[] {
  const layers = [config.override[ANY_SCENARIO], config.override[scenario]].filter((l) => l !== undefined);
  const out: unknown[] = [];
  for (const input of [...slos, ...config.extra]) {
    const name = sloName(input);
    let current: unknown = input;
    let dropped = false;
    for (const layer of layers) {
      const override = name === undefined ? undefined : layer[name];
      if (override === false) dropped = true;
      else if (override !== undefined && name !== undefined) current = patch(current, name, override);
    }
    if (!dropped) out.push(current);
  }
  return out;
}

/** A scenario as the override check sees it. */
export interface NamedSlos {
  name: string;
  slos: readonly unknown[];
}

/**
 * Every override must name a known scenario (or `*`) and an SLO that scenario has (for `*`:
 * that some scenario or `slos.extra` has); anything else would silently change nothing.
 */
export function checkSloOverrides(config: FullSlosConfig, scenarios: readonly NamedSlos[]): Problem[] {
  const problems: Problem[] = [];
  const byName = new Map(scenarios.map((s) => [s.name, s]));
  const namesOf = (list: readonly unknown[]): string[] => list.flatMap((s) => sloName(s) ?? []);
  const extra = namesOf(config.extra);
  for (const [scenario, entries] of Object.entries(config.override)) {
    const at = formatPath(['slos', 'override', scenario]);
    const targets = scenario === ANY_SCENARIO ? scenarios : [byName.get(scenario)].flatMap((s) => s ?? []);
    if (targets.length === 0) {
      const hint = suggest(scenario, [...byName.keys()]);
      problems.push({
        path: at,
        message: `no scenario named '${scenario}'${hint === undefined ? '' : ` (did you mean '${hint}'?)`}; use a scenario name or '*'`,
      });
      continue;
    }
    const known = [...new Set([...targets.flatMap((t) => namesOf(t.slos)), ...extra])];
    for (const slo of Object.keys(entries)) {
      if (known.includes(slo)) continue;
      const where = scenario === ANY_SCENARIO ? 'any scenario' : `'${scenario}'`;
      problems.push({
        path: formatPath(['slos', 'override', scenario, slo]),
        message: `no SLO named '${slo}' in ${where}; SLO names: ${known.map((n) => `'${n}'`).join(', ') || '(none)'}`,
      });
    }
  }
  return problems;
}
