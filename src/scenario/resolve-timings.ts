/**
 * Turns a scenario whose durations may name SUT timings (`'ttl + 8s'`) into the same scenario
 * with plain drill-time milliseconds, before validation and before anything plays it. Every bad
 * expression is reported with its path, in one pass.
 */
import type { Problem } from '../errors.ts';
import { tryParseDuration } from '../util/duration.ts';
import type { ScenarioInput } from './define.ts';
import { evaluateDuration, namesTiming, TIMING_NAMES, timingsNamed } from './timing.ts';
import type { ScenarioTimings, TimingName } from './timing.ts';

export interface ResolvedTimings {
  scenario: ScenarioInput;
  problems: Problem[];
  /** The timing names the scenario's durations used (the report shows their values and source). */
  used: TimingName[];
}

/** Keys whose values are durations, wherever they appear in a scenario (offsets, lengths, action options). */
const DURATION_KEYS = new Set([
  'duration',
  'at',
  'from',
  'to',
  'publishAhead',
  'retireAfter',
  'revokeAfter',
  'within',
  'offset',
  'delayAbortEval',
]);

/** Subtrees that are not the scenario's own durations (fault attributes keep their own units). */
const OPAQUE_KEYS = new Set(['claims', 'options', 'mix']);

export function resolveScenarioTimings(
  scenario: ScenarioInput,
  timings: ScenarioTimings,
  path: string,
): ResolvedTimings {
  const problems: Problem[] = [];
  const used = new Set<TimingName>();
  const real = Object.fromEntries(TIMING_NAMES.map((n) => [n, timings.ms[n] * timings.timeScale])) as Record<
    TimingName,
    number
  >;
  const evaluate = (value: string | number, at: string, values: Record<TimingName, number>): unknown => {
    // Plain durations stay as written; anything else is an expression (timings, sums, max/min).
    if (typeof value === 'number' || tryParseDuration(value) !== undefined) return value;
    if (!namesTiming(value) && !/[-+*(]/.test(value)) return value;
    for (const name of timingsNamed(value)) used.add(name);
    const result = evaluateDuration(value, values);
    if ('error' in result) {
      problems.push({ path: at, message: result.error });
      return value;
    }
    return result.ms;
  };
  /**
   * `inAttributes`: fault attributes are real time (a latency is a latency: the run does not
   * scale it), so their expressions see the SUT's real timings; offsets and lengths are drill time.
   */
  const walk = (value: unknown, at: string, key: string | undefined, inAttributes: boolean): unknown => {
    if (typeof value === 'string' || typeof value === 'number') {
      if (inAttributes) return evaluate(value, at, real);
      return key !== undefined && DURATION_KEYS.has(key) ? evaluate(value, at, timings.ms) : value;
    }
    if (Array.isArray(value))
      return value.map((item, i) => walk(item, `${at}[${i}]`, undefined, inAttributes));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [
          k,
          OPAQUE_KEYS.has(k) ? v : walk(v, `${at}.${k}`, k, inAttributes || k === 'attributes'),
        ]),
      );
    }
    return value;
  };
  const resolved = walk(scenario, path, undefined, false) as ScenarioInput;
  return { scenario: resolved, problems, used: [...used] };
}
