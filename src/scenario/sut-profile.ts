/**
 * What the scenario layer reads from the SUT profile (config `sut.profile`, measured by
 * `keystorm calibrate` or written by hand): the key-cache timings scenario durations are derived
 * from, and the policies the SUT enforces (which decide whether policy SLOs apply). A SUT without
 * a profile is assumed to enforce nothing beyond signatures and claims, and to have the example
 * gateway's drill timings — its premises then tell whether the drills really met it.
 */
import type { ScenarioResult } from '../result/types.ts';
import type { SutCapability } from '../slo/definition.ts';
import { TIMING_NAMES, timingsFromProfile } from './timing.ts';
import type { ScenarioTimings, TimingName } from './timing.ts';

/** The profile fields read here (real milliseconds; booleans for policies). */
export interface SutProfileView {
  ttlMs?: number;
  refreshAheadMs?: number;
  unknownKidCooldownMs?: number;
  fetchTimeoutMs?: number;
  /** How far a token's time claims may be off the SUT's clock and still verify. */
  clockToleranceMs?: number;
  /** A token without the route's scope gets 403. */
  scopes403?: boolean;
  /** A request whose header disagrees with a token claim gets 401. */
  claimHeaders401?: boolean;
  /** The readiness endpoint reports whether keys are loaded. */
  readinessReflectsKeys?: boolean;
}

export function capabilitiesOf(profile: SutProfileView | undefined): Set<SutCapability> {
  const out = new Set<SutCapability>();
  if (profile?.scopes403 === true) out.add('scopes');
  if (profile?.claimHeaders401 === true) out.add('claimHeaders');
  if (profile?.readinessReflectsKeys === true) out.add('readiness');
  return out;
}

const FIELD: Record<TimingName, keyof SutProfileView> = {
  ttl: 'ttlMs',
  refreshAhead: 'refreshAheadMs',
  cooldown: 'unknownKidCooldownMs',
  fetchTimeout: 'fetchTimeoutMs',
  clockTolerance: 'clockToleranceMs',
};

/** Drill-time timings for the scenarios' duration expressions. */
export function timingsOf(profile: SutProfileView | undefined, timeScale: number): ScenarioTimings {
  const real: Partial<Record<TimingName, number>> = {};
  for (const name of TIMING_NAMES) {
    const value = profile?.[FIELD[name]];
    if (typeof value === 'number') real[name] = value;
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
