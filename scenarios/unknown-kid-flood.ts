import { defineScenario } from '../src/scenario/define.ts';

export default defineScenario({
  name: 'unknown-kid-flood',
  hypothesis:
    'A flood of tokens with random kids makes at most one JWKS fetch per cooldown per instance, valid traffic is unaffected, and a genuinely new key is accepted within one cooldown after the flood.',
  covers: ['FM5', 'FM6', 'FM19'],
  load: {
    phases: [
      { name: 'before', rate: 30, duration: '3s' },
      {
        name: 'flood',
        rate: 120,
        duration: '8s',
        mix: [
          { kind: 'fresh', share: 1 },
          { kind: 'unknown-kid', share: 3, token: 'unknown-kid', expect: [401] },
        ],
      },
      { name: 'after', rate: 30, duration: '6s' },
    ],
  },
  timeline: [
    // A genuine new key arrives as the flood ends (published and signing at once).
    {
      at: '11s',
      action: {
        kind: 'rotate-keys',
        issuer: 'gitlab',
        publishAhead: 0,
        retireAfter: '30s',
        revokeAfter: '60s',
      },
    },
    { at: '11s', action: { kind: 'force-refresh' } },
  ],
  slos: [
    { metric: 'unexpected_rate{kind:fresh}', threshold: 'rate<0.001', window: 'during:flood' },
    // cooldown 2s over 8s of flood, two issuers' worth of slack: a few fetches, not hundreds.
    { metric: 'jwks_fetches_per_instance', threshold: 'max<=10', window: 'during:flood' },
    { metric: 'request_duration{kind:fresh}', threshold: 'p(95)<2000', window: 'during:flood' },
    { metric: 'status_401_rate{kind:fresh}', threshold: 'rate<0.001', window: '14s..' },
  ],
});
