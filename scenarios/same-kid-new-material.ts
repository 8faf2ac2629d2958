import { defineScenario } from '../src/scenario/define.ts';

export default defineScenario({
  name: 'same-kid-new-material',
  hypothesis:
    'When the provider replaces a key but keeps its kid, the SUT stops rejecting the new tokens within one TTL (by refetching on signature failure or at expiry) and never serves errors other than 401 meanwhile.',
  covers: ['FM11'],
  load: { phases: [{ name: 'steady', rate: 30, duration: '18s' }] },
  timeline: [
    { at: '3s', action: { kind: 'misrotate', issuer: 'gitlab', rotation: 'same-kid-new-material' } },
    { at: '3s', action: { kind: 'force-refresh' } },
  ],
  slos: [
    { metric: 'unexpected_rate', threshold: 'rate==0', window: 'baseline' },
    // TTL 10s: by 3s + 10s (+1s slack) the new material must verify.
    { metric: 'unexpected_rate', threshold: 'rate<0.001', window: '14s..' },
    { metric: 'status_5xx_rate', threshold: 'rate==0' },
  ],
});
