import { defineScenario } from '../src/scenario/define.ts';

export default defineScenario({
  name: 'graceful-rotation',
  hypothesis:
    'A key published ahead of use, then activated, then retired and revoked on schedule is accepted on first use and causes no failed request.',
  covers: ['FM10', 'FM9'],
  tags: ['canary'],
  load: { phases: [{ name: 'steady', rate: 40, duration: '16s' }] },
  timeline: [
    {
      at: '2s',
      action: {
        kind: 'rotate-keys',
        issuer: 'gitlab',
        publishAhead: '3s',
        retireAfter: '3s',
        revokeAfter: '6s',
      },
    },
    // Clients pick up tokens signed by the new key as soon as it signs.
    { at: '5.5s', action: { kind: 'force-refresh' } },
  ],
  slos: [
    { metric: 'unexpected_rate', threshold: 'rate<0.001' },
    { metric: 'status_401_rate', threshold: 'rate==0' },
    { metric: 'request_duration', threshold: 'p(99)<500' },
  ],
});
