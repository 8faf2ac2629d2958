import { defineScenario } from '../src/scenario/define.ts';

/**
 * TCP-level trouble between the SUT and the provider while the SUT needs to refetch: unknown-kid
 * tokens (3 %) keep the SUT refetching about once per cooldown inside every fault window.
 */
export default defineScenario({
  name: 'network-faults',
  hypothesis:
    'Resets, a black hole, a slow trickle, a truncated body and a poisoned (empty) key set on the way to the provider never replace the cached keys and never hold a request longer than the fetch deadline.',
  covers: ['FM12', 'FM14', 'FM15'],
  load: {
    phases: [{ name: 'steady', rate: 40, duration: '26s' }],
    mix: [
      { kind: 'fresh', share: 97 },
      { kind: 'unknown-kid', share: 3, token: 'unknown-kid', expect: [401] },
    ],
  },
  timeline: [
    { from: '2s', to: '6s', fault: { name: 'reset', kind: 'reset', target: 'gitlab' } },
    { from: '7s', to: '11s', fault: { name: 'black-hole', kind: 'black-hole', target: 'gitlab' } },
    {
      from: '12s',
      to: '16s',
      fault: {
        name: 'slow-trickle',
        kind: 'slow-trickle',
        target: 'gitlab',
        attributes: { averageSize: 8, delay: '200ms' },
      },
    },
    {
      from: '17s',
      to: '20s',
      fault: { name: 'truncate', kind: 'truncate', target: 'gitlab', attributes: { bytes: 64 } },
    },
    {
      from: '21s',
      to: '24s',
      fault: { name: 'empty-jwks', kind: 'http-empty-keys', target: { issuer: 'gitlab', endpoint: 'jwks' } },
    },
  ],
  slos: [
    { metric: 'unexpected_rate{kind:fresh}', threshold: 'rate<0.001' },
    { metric: 'request_duration{kind:fresh}', threshold: 'p(99)<2500', window: 'during:black-hole' },
    { metric: 'request_duration{kind:fresh}', threshold: 'p(99)<2500', window: 'during:slow-trickle' },
    { metric: 'status_401_rate{kind:fresh}', threshold: 'rate==0' },
  ],
});
