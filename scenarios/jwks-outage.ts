import { defineScenario } from '../src/scenario/define.ts';

/** The AI Gateway alert: a provider's keys endpoint fails while pods hold a cached key set. */
export default defineScenario({
  name: 'jwks-outage-warm-cache',
  hypothesis:
    'When the JWKS endpoint fails for longer than the cache TTL, the SUT keeps verifying with its last-known-good keys (logging that it re-cached them), backs off its retries, and is back to normal as soon as the provider heals.',
  covers: ['FM8', 'FM7', 'FM24', 'FM22'],
  load: { phases: [{ name: 'steady', rate: 30, duration: '28s' }] },
  timeline: [
    {
      from: '3s',
      to: '19s',
      fault: {
        name: 'jwks-outage',
        kind: 'http-status',
        target: { issuer: 'gitlab', endpoint: 'jwks' },
        attributes: { status: 503 },
      },
    },
  ],
  slos: [
    { metric: 'unexpected_rate', threshold: 'rate<0.001', window: 'during:jwks-outage' },
    { metric: 'status_401_rate', threshold: 'rate==0' },
    // Backoff: a few attempts per instance over a 16 s outage, not one per request.
    { metric: 'jwks_fetches_per_instance', threshold: 'max<=12', window: 'during:jwks-outage' },
    { metric: 'log_matches{pattern:old-jwks-recached}', threshold: 'count>=1', window: 'during:jwks-outage' },
    { metric: 'time_to_recover', threshold: 'value<3000', window: 'recovery', allowNoSamples: true },
  ],
});
