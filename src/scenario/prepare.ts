/**
 * Gets every selected scenario ready before anything starts: durations that name SUT timings
 * resolved from the profile, then validated against the config (exit 2 lists every problem of
 * every scenario at once). A scenario that cannot apply to this config — it needs an issuer the
 * config does not define, or at this SUT's timings it would outlast the time budget — is
 * skipped with its reason instead of failing the run or being squeezed into an empty pass.
 */
import { ValidationError } from '../errors.ts';
import { requireChromium } from '../journeys/browser.ts';
import type { Problem } from '../errors.ts';
import { formatDuration, tryParseDuration } from '../util/duration.ts';
import type { ScenarioInput } from './define.ts';
import { resolveScenarioTimings } from './resolve-timings.ts';
import type { ScenarioTimings, TimingName } from './timing.ts';
import { checkScenario } from './validate.ts';

/** Longest a scenario may play (run time) unless the config says otherwise. */
export const DEFAULT_SCENARIO_BUDGET_MS = 10 * 60_000;

export interface PreparedScenario {
  /** The scenario with plain durations (drill ms), validated — or the raw one when skipped. */
  scenario: ScenarioInput;
  /** Timings its durations used (the report shows their values and source). */
  used: TimingName[];
  /** Why it is not played (it then has no verdict and does not affect the exit code). */
  skip?: string;
}

export interface PrepareOptions {
  issuers: readonly string[];
  routes: readonly string[];
  timings: ScenarioTimings;
  /** Longest run time a scenario may take. */
  budgetMs?: number;
}

export function prepareScenarios(raw: readonly unknown[], options: PrepareOptions): PreparedScenario[] {
  const problems: Problem[] = [];
  const prepared = raw.map((item, i): PreparedScenario | undefined => {
    const name = typeof item === 'object' && item !== null && 'name' in item ? String(item.name) : `#${i}`;
    const path = `scenarios[${i}](${name})`;
    if (typeof item !== 'object' || item === null) {
      problems.push(...checkScenario(item, path, { issuers: options.issuers, routes: options.routes }));
      return undefined;
    }
    const missing = referencedIssuers(item).filter((issuer) => !options.issuers.includes(issuer));
    if (missing.length > 0) {
      return {
        scenario: item as ScenarioInput,
        used: [],
        skip: `needs issuer${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which the config does not define (idp.issuers: ${options.issuers.join(', ')})`,
      };
    }
    const resolved = resolveScenarioTimings(item as ScenarioInput, options.timings, path);
    problems.push(...resolved.problems);
    if (resolved.problems.length > 0) return undefined;
    const found = checkScenario(resolved.scenario, path, {
      issuers: options.issuers,
      routes: options.routes,
    });
    problems.push(...found);
    if (found.length > 0) return undefined;
    const runMs = plannedDrillMs(resolved.scenario) * options.timings.timeScale;
    const budget = options.budgetMs ?? DEFAULT_SCENARIO_BUDGET_MS;
    if (runMs > budget) {
      return {
        ...resolved,
        skip: `would take ${formatDuration(runMs)} at this SUT's timings (${describeUsed(resolved.used, options.timings)}), over the ${formatDuration(budget)} budget`,
      };
    }
    return resolved;
  });
  if (problems.length > 0) throw new ValidationError('the scenarios', problems);
  // A scenario with browser journeys needs Chromium: say so (exit 2) before anything starts.
  if (prepared.some((p) => p !== undefined && p.skip === undefined && (p.scenario.journeys ?? []).length > 0))
    requireChromium();
  return prepared.filter((p): p is PreparedScenario => p !== undefined);
}

/** Issuer names a scenario mentions anywhere (actions, mixes, fault targets). */
export function referencedIssuers(scenario: object): string[] {
  const found = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object' && value !== null) {
      for (const [key, v] of Object.entries(value)) {
        if (key === 'issuer' && typeof v === 'string') found.add(v);
        else walk(v);
      }
    }
  };
  walk(scenario);
  return [...found];
}

/** Drill ms the load phases take (bursts without a duration count as one second). */
function plannedDrillMs(scenario: ScenarioInput): number {
  return scenario.load.phases.reduce(
    (sum, p) => sum + (p.duration === undefined ? 1000 : (tryParseDuration(p.duration) ?? 0)),
    0,
  );
}

function describeUsed(used: readonly TimingName[], timings: ScenarioTimings): string {
  if (used.length === 0) return 'no SUT timing';
  return used.map((n) => `${n} ${formatDuration(timings.ms[n] * timings.timeScale)}`).join(', ');
}
