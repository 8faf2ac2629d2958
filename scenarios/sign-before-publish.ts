import { defineScenario } from '../src/scenario/define.ts';

export default defineScenario({
  name: 'sign-before-publish',
  hypothesis:
    'When the provider signs with a key before publishing it, the SUT rejects those tokens without hammering the provider (bounded unknown-kid refetches) and accepts them within one cooldown once the key is published.',
  covers: ['FM10', 'FM5'],
  load: { phases: [{ name: 'steady', rate: 40, duration: '16s' }] },
  timeline: [
    {
      at: '3s',
      action: {
        kind: 'misrotate',
        issuer: 'gitlab',
        rotation: 'sign-before-publish',
        options: { publishAfter: 5000 },
      },
    },
    { at: '3s', action: { kind: 'force-refresh' } },
  ],
  slos: [
    { metric: 'status_401_rate', threshold: 'rate==0', window: 'baseline' },
    // Published at 8s; cooldown 2s: from 11s on, every fresh token must pass again.
    { metric: 'status_401_rate', threshold: 'rate<0.001', window: '11s..' },
    { metric: 'jwks_fetches_per_instance', threshold: 'max<=12', window: '3s..11s' },
    { metric: 'status_5xx_rate', threshold: 'rate==0' },
  ],
});
