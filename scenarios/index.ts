/**
 * The built-in scenario suite, in the order `keystorm run` plays it. Each file holds one
 * hypothesis; together they cover the failure modes FM1–FM24 (see the README for the map).
 *
 * The opt-in drills below need more than Node: promtool (alert verification) or a Chromium
 * (browser journeys), and a minute or more each. A pattern never selects them (`*` is the
 * default suite, which must run on a bare machine); name them (`keystorm run alert-detection`)
 * or ask for their tag (`keystorm run --tag alerts`, `--tag journeys`).
 */
import type { ScenarioInput } from '../src/scenario/define.ts';
import authEdgeCases from './auth-edge-cases.ts';
import baseline from './baseline.ts';
import cacheStampede from './cache-stampede.ts';
import clockSkew from './clock-skew.ts';
import coldStartProviderDown from './cold-start-provider-down.ts';
import discoveryOutage from './discovery-outage.ts';
import emergencyRevoke from './emergency-revoke.ts';
import gracefulRotation from './graceful-rotation.ts';
import jwksOutage from './jwks-outage.ts';
import networkFaults from './network-faults.ts';
import partialOutage from './partial-outage.ts';
import refreshStorm from './refresh-storm.ts';
import sameKidNewMaterial from './same-kid-new-material.ts';
import signBeforePublish from './sign-before-publish.ts';
import staleClaims from './stale-claims.ts';
import unknownKidFlood from './unknown-kid-flood.ts';
import alertDetection from './alert-detection.ts';
import alertSilence from './alert-silence.ts';
import jwksOutageJourney from './jwks-outage-journey.ts';
import coldStartJourney from './cold-start-journey.ts';

export const BUILT_IN_SCENARIOS: readonly ScenarioInput[] = [
  baseline,
  authEdgeCases,
  gracefulRotation,
  signBeforePublish,
  emergencyRevoke,
  sameKidNewMaterial,
  cacheStampede,
  jwksOutage,
  partialOutage,
  coldStartProviderDown,
  discoveryOutage,
  refreshStorm,
  unknownKidFlood,
  networkFaults,
  clockSkew,
  staleClaims,
];

/** Drills played only when named exactly (they need promtool or Chromium; see docs/alerts.md, docs/journeys.md). */
export const OPT_IN_SCENARIOS: readonly ScenarioInput[] = [
  alertDetection,
  alertSilence,
  jwksOutageJourney,
  coldStartJourney,
];

/** Every scenario keystorm ships: the default suite, then the opt-in drills. */
export const ALL_BUILT_IN_SCENARIOS: readonly ScenarioInput[] = [...BUILT_IN_SCENARIOS, ...OPT_IN_SCENARIOS];

export function findBuiltIn(name: string): ScenarioInput | undefined {
  return ALL_BUILT_IN_SCENARIOS.find((s) => s.name === name);
}
