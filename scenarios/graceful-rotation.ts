import { defineScenario } from '../src/scenario/define.ts';

/**
 * The routine rotation every provider does. The rotation starts after the SUT's unknown-kid
 * cooldown has run out since its start-up fetch, so a 401 here is the rotation's own fault
 * (FM10), not a cooldown that began before the drill.
 */
const ROTATE = 'max(2s, cooldown + 1s)';

export default defineScenario({
  name: 'graceful-rotation',
  hypothesis:
    'A key published ahead of use, then activated, then retired and revoked on schedule is accepted on first use and causes no failed request.',
  covers: ['FM10'],
  tags: ['canary'],
  load: { phases: [{ name: 'steady', rate: 40, duration: `${ROTATE} + 14s` }] },
  timeline: [
    {
      at: ROTATE,
      action: {
        kind: 'rotate-keys',
        issuer: 'gitlab',
        publishAhead: '3s',
        retireAfter: '3s',
        revokeAfter: '6s',
      },
    },
    // 1.5 s after the new key starts signing: clients then hold tokens with the new kid.
    { at: `${ROTATE} + 4.5s`, action: { kind: 'force-refresh' } },
  ],
  slos: [
    { metric: 'unexpected_rate', threshold: 'rate<0.001', failureMode: 'FM10' },
    { metric: 'status_401_rate', threshold: 'rate==0', failureMode: 'FM10' },
    { metric: 'request_duration', threshold: 'p(99)<500', failureMode: 'FM10' },
  ],
});
