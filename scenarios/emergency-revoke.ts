import { defineScenario } from '../src/scenario/define.ts';

export default defineScenario({
  name: 'emergency-revoke',
  hypothesis:
    'After an emergency revocation the revoked key stops verifying within one TTL while tokens from the replacement key are accepted on first use.',
  covers: ['FM9', 'FM10', 'FM11'],
  load: {
    phases: [
      { name: 'before', rate: 40, duration: '4s' },
      {
        name: 'after',
        rate: 40,
        duration: '14s',
        mix: [
          { kind: 'fresh', share: 0.9 },
          { kind: 'revoked', share: 0.1, token: 'revoked-key', expect: [401] },
        ],
      },
    ],
  },
  timeline: [
    { at: '4s', action: { kind: 'misrotate', issuer: 'gitlab', rotation: 'immediate-revoke' } },
    { at: '4s', action: { kind: 'force-refresh' } },
  ],
  slos: [
    { metric: 'unexpected_rate', threshold: 'rate<0.001', window: 'during:before' },
    { metric: 'unexpected_rate{kind:fresh}', threshold: 'rate<0.001', window: 'during:after' },
    // TTL 10s: from 4s + 10s on a revoked key must never verify again.
    { metric: 'security_failures', threshold: 'count==0', window: '15s..' },
  ],
});
