/**
 * The most requests per second a canary config can send (to the target and the IdP together),
 * so a cadence that would exceed `canary.maxRate` is refused before anything is sent.
 */
import type { CanaryConfig } from './schema.ts';

export interface PlannedRate {
  perSecond: number;
  /** In words, for the error message. */
  breakdown: string;
}

export function plannedRate(config: CanaryConfig, claimHeaderCount: number): PlannedRate {
  const requests = config.requests.length;
  const everyTick =
    1 + // the fresh token
    requests + // the fresh probe
    (config.nearExpiry === false ? 0 : requests) +
    (config.reusedToken ? requests : 0);
  const n = config.negatives;
  const negatives =
    n === false
      ? 0
      : [n.noToken, n.malformed, n.algNone, n.badSignature].filter((e) => e !== false).length +
        (claimHeaderCount > 0 ? [n.headerMissing, n.headerMismatch].filter((e) => e !== false).length : 0) +
        (n.missingScope === undefined ? 0 : 2); // the narrower token and its request
  const everyRefresh = 1 + requests + negatives;
  const perSecond = (everyTick * 1000) / config.interval + (everyRefresh * 1000) / config.refreshEvery;
  return {
    perSecond,
    breakdown: `${everyTick} every ${config.interval}ms + ${everyRefresh} every ${config.refreshEvery}ms`,
  };
}
