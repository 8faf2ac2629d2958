import { defineScenario } from '../src/scenario/define.ts';

export default defineScenario({
  name: 'baseline',
  hypothesis:
    'With a healthy provider and steady traffic of fresh tokens, every request succeeds quickly and the SUT fetches each key set about once per TTL, not per request.',
  covers: ['FM20', 'FM2'],
  tags: ['canary', 'smoke'],
  load: { phases: [{ name: 'steady', rate: 40, duration: '12s' }] },
  slos: [
    { metric: 'unexpected_rate', threshold: 'rate<0.001' },
    { metric: 'request_duration', threshold: 'p(95)<1000' },
    { metric: 'status_5xx_rate', threshold: 'rate==0' },
    // TTL 10s, two issuers: a cache that works needs a handful of fetches, not one per request.
    { metric: 'jwks_fetches_per_instance', threshold: 'max<=8' },
  ],
});
