import { defineScenario } from '../src/scenario/define.ts';

/**
 * The 2024-05-24 incident: a config change left stale claims in a cache and every request got
 * 403. A canary that reuses one token never notices; one that refreshes sees it within a refresh.
 * Only meaningful for a SUT that enforces scopes (403 for a token without the route's scope).
 */
export default defineScenario({
  name: 'stale-claims',
  hypothesis:
    'When the provider starts issuing tokens without a required scope, a canary that refreshes its tokens sees 403s (not 401s, not 5xx) within one refresh, a canary reusing an old token does not, and the SUT recovers as soon as correct tokens arrive.',
  covers: [],
  tags: ['canary'],
  load: {
    phases: [
      { name: 'before', rate: 30, duration: '4s' },
      {
        name: 'stale',
        rate: 30,
        duration: '6s',
        mix: [
          { kind: 'refreshing', share: 1, expect: [403], requires: ['scopes'] },
          { kind: 'reused', share: 1, token: 'pool-reused', expect: [200] },
        ],
      },
      { name: 'fixed', rate: 30, duration: '6s' },
    ],
  },
  timeline: [
    { at: '4s', action: { kind: 'set-claims', issuer: 'gitlab', claims: { scope: 'duo_chat' } } },
    { at: '4s', action: { kind: 'force-refresh' } },
    { at: '10s', action: { kind: 'set-claims', issuer: 'gitlab', claims: {} } },
    { at: '10s', action: { kind: 'force-refresh' } },
  ],
  slos: [
    // The refreshing canary sees the incident…
    {
      metric: 'status_403_rate{kind:refreshing}',
      threshold: 'rate>0.9',
      window: '4.5s..10s',
      requires: ['scopes'],
    },
    // …while the canary that reuses its first token stays green through it: the seed's blind spot.
    { metric: 'unexpected_rate{kind:reused}', threshold: 'rate==0', window: 'during:stale' },
    { metric: 'status_401_rate', threshold: 'rate==0' },
    { metric: 'status_403_rate', threshold: 'rate==0', window: '10.5s..', requires: ['scopes'] },
    { metric: 'status_5xx_rate', threshold: 'rate==0' },
  ],
});
