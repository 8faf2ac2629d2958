/**
 * The built-in scenario suite, in the order `keystorm run` plays it. Each file holds one
 * hypothesis; together they cover the failure modes FM1–FM24 (see the README for the map).
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

export function findBuiltIn(name: string): ScenarioInput | undefined {
  return BUILT_IN_SCENARIOS.find((s) => s.name === name);
}
