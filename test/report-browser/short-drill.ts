import { defineScenario } from '../../src/scenario/define.ts';

/**
 * A drill of a few seconds for the report's browser test: two overlapping faults on the key
 * endpoints (so the chart must keep two bands apart), a forced refresh while both hold, and a
 * negative request kind next to the valid one (so the chart must keep the kinds apart).
 */
export default defineScenario({
  name: 'report-drill',
  hypothesis:
    'While the keys endpoint is slow and then failing, valid tokens keep passing from the cache and expired tokens are refused.',
  load: {
    phases: [
      {
        name: 'steady',
        rate: 30,
        duration: '6s',
        mix: [
          { kind: 'valid', share: 3 },
          { kind: 'expired', share: 1, token: 'expired', expect: [401] },
        ],
      },
    ],
  },
  timeline: [
    {
      from: '1s',
      to: '4s',
      fault: {
        name: 'jwks-slow',
        kind: 'http-latency',
        target: { issuer: 'gitlab', endpoint: 'jwks' },
        attributes: { ms: 300 },
      },
    },
    {
      from: '2s',
      to: '5s',
      fault: {
        name: 'discovery-down',
        kind: 'http-status',
        target: { issuer: 'gitlab', endpoint: 'discovery' },
        attributes: { status: 503 },
      },
    },
    { at: '3s', action: { kind: 'force-refresh' } },
  ],
  slos: [{ metric: 'unexpected_rate', threshold: 'rate<0.5', window: 'run' }],
});
