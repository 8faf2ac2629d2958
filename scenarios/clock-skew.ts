import { defineScenario } from '../src/scenario/define.ts';

export default defineScenario({
  name: 'clock-skew',
  hypothesis:
    'Tokens from a provider whose clock runs a little ahead are accepted within the clock tolerance; tokens issued far in the future or not yet valid are rejected with 401.',
  // Not a key-cache failure mode: claims validation around the cache (exp/nbf/iat with leeway).
  covers: [],
  load: {
    phases: [
      { name: 'small-skew', rate: 30, duration: '6s' },
      {
        name: 'large-skew',
        rate: 30,
        duration: '6s',
        // Pool tokens re-issued with the clock a minute ahead: nbf and iat in the future.
        mix: [{ kind: 'fresh-skewed', share: 1, expect: [401] }],
      },
      { name: 'healed', rate: 30, duration: '5s' },
    ],
  },
  timeline: [
    // Within the SUT's clock tolerance (its profile's; none means only an exact clock is fine).
    { at: 0, action: { kind: 'set-clock', issuer: 'gitlab', offset: 'min(3s, 0.6*clockTolerance)' } },
    { at: 0, action: { kind: 'force-refresh' } },
    // Far beyond it: iat/nbf a minute ahead.
    { at: '6s', action: { kind: 'set-clock', issuer: 'gitlab', offset: '60s' } },
    { at: '6s', action: { kind: 'force-refresh' } },
    { at: '12s', action: { kind: 'set-clock', issuer: 'gitlab', offset: 0 } },
    { at: '12s', action: { kind: 'force-refresh' } },
  ],
  // Windows keep half a second (drill time) clear of each clock change: a request due right at
  // the change may carry either token, and the verdict must not depend on that race.
  slos: [
    { metric: 'unexpected_rate', threshold: 'rate<0.001', window: '0.5s..5.5s', failureMode: 'FM23' },
    { metric: 'security_failures', threshold: 'count==0', window: '6.5s..11.5s', failureMode: 'FM23' },
    { metric: 'unexpected_rate', threshold: 'rate<0.001', window: '14s..', failureMode: 'FM23' },
  ],
});
