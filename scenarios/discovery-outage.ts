import { defineScenario } from '../src/scenario/define.ts';

export default defineScenario({
  name: 'discovery-outage',
  hypothesis:
    'An outage of the discovery document alone does not break authentication: the SUT keeps the JWKS URL it discovered and keeps refreshing keys from it.',
  covers: ['FM16'],
  load: {
    phases: [{ name: 'steady', rate: 30, duration: '16s' }],
  },
  timeline: [
    {
      from: '2s',
      to: '14s',
      fault: {
        name: 'discovery-down',
        kind: 'http-status',
        target: { endpoint: 'discovery' },
        attributes: { status: 500 },
      },
    },
    // A new key during the discovery outage: picking it up needs the JWKS, not discovery.
    {
      at: '6s',
      action: {
        kind: 'rotate-keys',
        issuer: 'gitlab',
        publishAhead: 0,
        retireAfter: '30s',
        revokeAfter: '60s',
      },
    },
    { at: '6s', action: { kind: 'force-refresh' } },
  ],
  slos: [
    { metric: 'unexpected_rate', threshold: 'rate<0.001', window: 'during:discovery-down' },
    { metric: 'status_5xx_rate', threshold: 'rate==0' },
  ],
});
