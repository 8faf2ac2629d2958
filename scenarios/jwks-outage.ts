import { defineScenario } from '../src/scenario/define.ts';

/**
 * The AI Gateway alert: a provider's keys endpoint fails while pods hold a cached key set. The
 * outage lasts the SUT's own TTL plus 8 s, so a cache of any length expires inside it and the
 * SUT must face the failing provider (a premise checks that it did).
 */
export default defineScenario({
  name: 'jwks-outage-warm-cache',
  hypothesis:
    'When the JWKS endpoint fails for longer than the cache TTL, the SUT keeps verifying with its last-known-good keys (logging that it re-cached them), backs off its retries, and is back to normal as soon as the provider heals.',
  covers: ['FM8', 'FM7', 'FM24'],
  load: { phases: [{ name: 'steady', rate: 30, duration: 'ttl + 20s' }] },
  timeline: [
    {
      from: '3s',
      to: 'ttl + 11s',
      fault: {
        name: 'jwks-outage',
        kind: 'http-status',
        target: { issuer: 'gitlab', endpoint: 'jwks' },
        attributes: { status: 503 },
      },
    },
  ],
  preconditions: [
    {
      premise: 'the SUT had fetched keys before the outage (its cache was warm)',
      metric: 'jwks_fetches{issuer:gitlab}',
      threshold: 'count>=1',
      window: 'baseline',
    },
    {
      premise: 'the SUT tried the failing provider during the outage (its cache expired while it lasted)',
      metric: 'jwks_fetches{issuer:gitlab}',
      threshold: 'count>=1',
      window: 'during:jwks-outage',
    },
  ],
  slos: [
    { metric: 'unexpected_rate', threshold: 'rate<0.001', window: 'during:jwks-outage', failureMode: 'FM8' },
    { metric: 'status_401_rate', threshold: 'rate==0', failureMode: 'FM8' },
    // Backoff: a few attempts per instance and second at most, not one per request.
    {
      metric: 'jwks_fetch_rate_per_instance',
      threshold: 'max<=2',
      window: 'during:jwks-outage',
      failureMode: 'FM7',
    },
    {
      metric: 'log_matches{pattern:old-jwks-recached}',
      threshold: 'count>=1',
      window: 'during:jwks-outage',
      failureMode: 'FM8',
    },
    {
      metric: 'time_to_recover',
      threshold: 'value<3000',
      window: 'recovery',
      allowNoSamples: true,
      failureMode: 'FM24',
    },
  ],
});
