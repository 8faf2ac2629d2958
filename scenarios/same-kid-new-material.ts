import { defineScenario } from '../src/scenario/define.ts';

/** The provider regenerates a key under the same kid (a botched re-import, a KMS migration). */
const CHANGE = 'max(3s, cooldown + 1s)';

export default defineScenario({
  name: 'same-kid-new-material',
  hypothesis:
    'When the provider replaces a key but keeps its kid, the SUT stops rejecting the new tokens within one TTL (by refetching on signature failure or at expiry) and never serves errors other than 401 meanwhile.',
  covers: ['FM11'],
  load: { phases: [{ name: 'steady', rate: 30, duration: `${CHANGE} + ttl + 6s` }] },
  timeline: [
    { at: CHANGE, action: { kind: 'misrotate', issuer: 'gitlab', rotation: 'same-kid-new-material' } },
    { at: CHANGE, action: { kind: 'force-refresh' } },
  ],
  slos: [
    { metric: 'unexpected_rate', threshold: 'rate==0', window: 'baseline', failureMode: 'FM11' },
    // Within one TTL (plus a second) of the change, the new material verifies.
    {
      metric: 'unexpected_rate',
      threshold: 'rate<0.001',
      window: { from: `${CHANGE} + ttl + 1s` },
      failureMode: 'FM11',
    },
    { metric: 'status_5xx_rate', threshold: 'rate==0', failureMode: 'FM18' },
  ],
});
