import { defineScenario } from '../src/scenario/define.ts';

export default defineScenario({
  name: 'discovery-outage',
  hypothesis:
    'An outage of the discovery document alone does not break authentication: the SUT keeps the JWKS URL it discovered and keeps refreshing keys from it.',
  covers: ['FM16'],
  load: {
    phases: [{ name: 'steady', rate: 30, duration: 'max(16s, cooldown + 12s)' }],
  },
  timeline: [
    {
      from: '2s',
      to: 'max(14s, cooldown + 10s)',
      fault: {
        name: 'discovery-down',
        kind: 'http-status',
        target: { endpoint: 'discovery' },
        attributes: { status: 500 },
      },
    },
    // A new key during the discovery outage: picking it up needs the JWKS, not discovery.
    {
      // Outside the SUT's unknown-kid cooldown since its start-up fetch: a 401 here is discovery's doing.
      at: 'max(6s, cooldown + 2s)',
      action: {
        kind: 'rotate-keys',
        issuer: 'gitlab',
        publishAhead: 0,
        retireAfter: '30s',
        revokeAfter: '60s',
      },
    },
    { at: 'max(6s, cooldown + 2s)', action: { kind: 'force-refresh' } },
  ],
  slos: [
    {
      metric: 'unexpected_rate',
      threshold: 'rate<0.001',
      window: 'during:discovery-down',
      failureMode: 'FM16',
    },
    { metric: 'status_5xx_rate', threshold: 'rate==0', failureMode: 'FM16' },
  ],
});
