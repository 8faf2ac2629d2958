/**
 * What the scenario layer reads from the SUT profile (config `sut.profile`, measured by
 * `keystorm calibrate` or written by hand): the key-cache timings scenario durations are derived
 * from, and the policies the SUT enforces (which decide whether policy SLOs apply). A SUT without
 * a profile is assumed to enforce nothing beyond signatures and claims, and to have the example
 * gateway's drill timings — its premises then tell whether the drills really met it.
 */
import type { SutProfile } from '../profile/schema.ts';
import type { ScenarioResult } from '../result/types.ts';
import type { SutCapability } from '../slo/definition.ts';
import { TIMING_NAMES, timingsFromProfile } from './timing.ts';
import type { ScenarioTimings, TimingName } from './timing.ts';

export function capabilitiesOf(profile: SutProfile | undefined): Set<SutCapability> {
  const declared = profile?.capabilities;
  const out = new Set<SutCapability>();
  if (declared?.scopes403 === true) out.add('scopes');
  if (declared?.claimHeaders401 === true) out.add('claimHeaders');
  if (declared?.readinessReflectsKeys === true) out.add('readiness');
  return out;
}

/**
 * The config's log patterns that count: all of them, unless the profile lists the ones the SUT
 * really prints (a pattern the SUT never prints cannot be judged).
 */
export function logPatternsOf(profile: SutProfile | undefined, configured: readonly string[]): string[] {
  const printed = profile?.capabilities?.logPatterns;
  return printed === undefined ? [...configured] : configured.filter((name) => printed.includes(name));
}

const FIELD: Record<TimingName, keyof SutProfile> = {
  ttl: 'ttlMs',
  refreshAhead: 'refreshAheadMs',
  cooldown: 'unknownKidCooldownMs',
  fetchTimeout: 'fetchTimeoutMs',
  clockTolerance: 'clockToleranceMs',
};

/** A timing known only as a lower bound counts as that bound: the drill's premises tell whether it was enough. */
function msOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && 'atLeast' in value && typeof value.atLeast === 'number')
    return value.atLeast;
  return undefined;
}

/** Drill-time timings for the scenarios' duration expressions. */
export function timingsOf(profile: SutProfile | undefined, timeScale: number): ScenarioTimings {
  const real: Partial<Record<TimingName, number>> = {};
  for (const name of TIMING_NAMES) {
    const value = msOf(profile?.[FIELD[name]]);
    if (value !== undefined) real[name] = value;
  }
  return timingsFromProfile(real, timeScale);
}

/** The timings a scenario used, in run time, for its report. */
export function reportTimings(
  timings: ScenarioTimings,
  used: readonly TimingName[],
): NonNullable<ScenarioResult['timings']> {
  return Object.fromEntries(
    used.map((name) => [
      name,
      { ms: Math.round(timings.ms[name] * timings.timeScale), source: timings.source[name] },
    ]),
  );
}
