import { defineScenario } from '../src/scenario/define.ts';

/** The active key is compromised: it disappears and a new one signs at once. */
const REVOKE = 'max(4s, cooldown + 1s)';

export default defineScenario({
  name: 'emergency-revoke',
  hypothesis:
    'After an emergency revocation the revoked key stops verifying within one TTL while tokens from the replacement key are accepted on first use.',
  covers: ['FM9', 'FM10'],
  load: {
    phases: [
      // Outside the unknown-kid cooldown since the start-up fetch, so the new kid may trigger a fetch.
      { name: 'before', rate: 40, duration: REVOKE },
      {
        name: 'after',
        rate: 40,
        duration: 'ttl + 4s',
        mix: [
          { kind: 'valid', share: 0.9 },
          { kind: 'revoked', share: 0.1, token: 'revoked-key' },
        ],
      },
    ],
  },
  timeline: [
    { at: REVOKE, action: { kind: 'misrotate', issuer: 'gitlab', rotation: 'immediate-revoke' } },
    { at: REVOKE, action: { kind: 'force-refresh' } },
  ],
  slos: [
    { metric: 'unexpected_rate', threshold: 'rate<0.001', window: 'during:before', failureMode: 'FM10' },
    {
      metric: 'unexpected_rate{kind:valid}',
      threshold: 'rate<0.001',
      window: 'during:after',
      failureMode: 'FM10',
    },
    // One TTL (plus a second) after the revocation, the revoked key verifies nothing.
    {
      metric: 'security_failures',
      threshold: 'count==0',
      window: { from: `${REVOKE} + ttl + 1s` },
      failureMode: 'FM9',
    },
  ],
});
