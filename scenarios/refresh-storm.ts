import { defineScenario } from '../src/scenario/define.ts';

/** Every client's token expires at the same instant and the fleet refreshes together. */
export default defineScenario({
  name: 'refresh-storm',
  hypothesis:
    'When every client refreshes its token at the same instant, the SUT verifies the new tokens from its cache (same keys): no JWKS fetch burst, no latency cliff, no replica fetching in lockstep.',
  covers: ['FM20', 'FM21'],
  replicas: 3,
  load: { phases: [{ name: 'steady', rate: 60, duration: '14s' }] },
  timeline: [
    { at: '3s', action: { kind: 'expire-tokens', mode: 'aligned' } },
    { at: '8s', action: { kind: 'expire-tokens', mode: 'aligned' } },
  ],
  slos: [
    { metric: 'unexpected_rate', threshold: 'rate<0.001', failureMode: 'FM20' },
    { metric: 'request_duration', threshold: 'p(99)<1500', failureMode: 'FM20' },
    { metric: 'jwks_fetches_per_instance', threshold: 'max<=8', failureMode: 'FM20' },
    { metric: 'jwks_peak_concurrency', threshold: 'max<=2', failureMode: 'FM21' },
  ],
});
