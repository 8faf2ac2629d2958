import { defineScenario } from '../src/scenario/define.ts';

/**
 * `jwks-outage-warm-cache` seen from a browser: a user signs in, asks, keeps the answer, lets the
 * token expire, asks again (refresh with rotation) while the provider's keys endpoint fails for
 * longer than the SUT's TTL. The outage is longer than the API drill's so that whole journey
 * runs (10–15 s each, real time) start inside it, at `timeScale` 0.5 and up.
 */
export default defineScenario({
  name: 'jwks-outage-journey',
  hypothesis:
    'When the JWKS endpoint fails for longer than the cache TTL, a signed-in user in a real browser keeps working: answers arrive and stay, a token refresh goes through, no error replaces an answer.',
  covers: ['FM8'],
  tags: ['journeys'],
  load: { phases: [{ name: 'steady', rate: 10, duration: 'ttl + 72s' }] },
  timeline: [
    {
      from: '3s',
      to: 'ttl + 70s',
      fault: {
        name: 'jwks-outage',
        kind: 'http-status',
        target: { issuer: 'gitlab', endpoint: 'jwks' },
        attributes: { status: 503 },
      },
    },
  ],
  journeys: [{ spec: 'scenarios/browser/ask-answer.spec.ts', every: '10s' }],
  preconditions: [
    {
      premise: 'the SUT tried the failing provider during the outage (its cache expired while it lasted)',
      metric: 'jwks_fetches{issuer:gitlab}',
      threshold: 'count>=1',
      window: 'during:jwks-outage',
    },
    {
      premise: 'a journey started during the outage',
      // Any run has a duration above 0; a window without runs has no samples, and the premise fails.
      metric: 'journey_duration',
      threshold: 'max>0',
      window: 'during:jwks-outage',
    },
  ],
  slos: [
    // Every run counts: the first starts just before the outage (it signs in and works on
    // through it, across the SUT's TTL); the premise above makes sure one starts inside it.
    { metric: 'journey_success_rate', threshold: 'rate==1', failureMode: 'FM8' },
    { metric: 'status_401_rate', threshold: 'rate==0', failureMode: 'FM8' },
  ],
});
