import { defineScenario } from '../src/scenario/define.ts';

/** The provider signs with a key 5 s before it publishes it. */
const SIGN = 'max(3s, cooldown + 1s)';

export default defineScenario({
  name: 'sign-before-publish',
  hypothesis:
    'When the provider signs with a key before publishing it, the SUT rejects those tokens without hammering the provider (bounded unknown-kid refetches) and accepts them within one cooldown once the key is published.',
  covers: ['FM10', 'FM5'],
  load: { phases: [{ name: 'steady', rate: 40, duration: `${SIGN} + cooldown + 12s` }] },
  timeline: [
    {
      at: SIGN,
      action: {
        kind: 'misrotate',
        issuer: 'gitlab',
        rotation: 'sign-before-publish',
        options: { publishAfter: 5000 },
      },
    },
    { at: SIGN, action: { kind: 'force-refresh' } },
  ],
  slos: [
    { metric: 'status_401_rate', threshold: 'rate==0', window: 'baseline', failureMode: 'FM10' },
    // Published 5 s after it began signing: accepted within one cooldown after that.
    {
      metric: 'status_401_rate',
      threshold: 'rate<0.001',
      window: { from: `${SIGN} + 6s + cooldown` },
      failureMode: 'FM10',
    },
    // While the kid is unknown: about one fetch per cooldown, never one per token.
    {
      metric: 'jwks_fetch_rate_per_instance',
      threshold: 'max<=1',
      window: { from: SIGN, to: `${SIGN} + 5s` },
      failureMode: 'FM5',
    },
    { metric: 'status_5xx_rate', threshold: 'rate==0', failureMode: 'FM18' },
  ],
});
