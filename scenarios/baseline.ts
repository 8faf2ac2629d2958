import { defineScenario } from '../src/scenario/define.ts';

export default defineScenario({
  name: 'baseline',
  hypothesis:
    'With a healthy provider and steady traffic of fresh tokens, every request succeeds quickly and the SUT fetches each key set about once per TTL, not per request.',
  covers: ['FM20'],
  tags: ['canary', 'smoke'],
  load: { phases: [{ name: 'steady', rate: 40, duration: '12s' }] },
  slos: [
    { metric: 'unexpected_rate', threshold: 'rate<0.001', failureMode: 'FM20' },
    { metric: 'request_duration', threshold: 'p(95)<1000', failureMode: 'FM20' },
    { metric: 'status_5xx_rate', threshold: 'rate==0', failureMode: 'FM20' },
    // A cache that works needs a handful of fetches over 12 s, not one per request (20 a second here).
    { metric: 'jwks_fetches_per_instance', threshold: 'max<=8', failureMode: 'FM20' },
  ],
});
