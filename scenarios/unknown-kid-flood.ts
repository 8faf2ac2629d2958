import { defineScenario } from '../src/scenario/define.ts';

export default defineScenario({
  name: 'unknown-kid-flood',
  hypothesis:
    'A flood of tokens with random kids makes at most one JWKS fetch per cooldown per instance, valid traffic is unaffected, and a genuinely new key is accepted within one cooldown after the flood.',
  covers: ['FM5', 'FM6'],
  load: {
    phases: [
      { name: 'before', rate: 30, duration: '3s' },
      {
        name: 'flood',
        rate: 120,
        duration: '8s',
        mix: [
          { kind: 'valid', share: 1 },
          { kind: 'unknown-kid', share: 3, token: 'unknown-kid' },
        ],
      },
      { name: 'after', rate: 30, duration: 'cooldown + 5s' },
    ],
  },
  timeline: [
    // A genuine new key arrives just after the flood (published and signing at once). Half a
    // second after it, not at its last instant: a flood request sent a little late takes its token
    // when it is sent, and one carrying the new kid would be judged in the flood's window (by when
    // it was due) — a SUT with a cooldown (jose: 30 s) answers it 401 and fails "fresh unaffected".
    {
      at: '11.5s',
      action: {
        kind: 'rotate-keys',
        issuer: 'gitlab',
        publishAhead: 0,
        retireAfter: '30s',
        revokeAfter: '60s',
      },
    },
    { at: '11.5s', action: { kind: 'force-refresh' } },
  ],
  slos: [
    {
      metric: 'unexpected_rate{kind:valid}',
      threshold: 'rate<0.001',
      window: 'during:flood',
      failureMode: 'FM5',
    },
    // At most about one fetch per cooldown: never one per token (that would be 90 a second here).
    {
      metric: 'jwks_fetch_rate_per_instance',
      threshold: 'max<=1',
      window: 'during:flood',
      failureMode: 'FM5',
    },
    {
      metric: 'request_duration{kind:valid}',
      threshold: 'p(95)<2000',
      window: 'during:flood',
      failureMode: 'FM6',
    },
    // The genuine new key (at 11.5 s) is accepted within one cooldown after the flood.
    {
      metric: 'status_401_rate{kind:valid}',
      threshold: 'rate<0.001',
      window: { from: '12s + cooldown' },
      failureMode: 'FM6',
    },
  ],
});
