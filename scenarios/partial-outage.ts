import { defineScenario } from '../src/scenario/define.ts';

/** One of two providers (think CustomersDot next to gitlab.com) goes down. */
export default defineScenario({
  name: 'partial-outage',
  hypothesis:
    'When one of two providers is unreachable, tokens of the healthy provider are unaffected and the failed provider is retried on a short backoff, each provider isolated from the other.',
  covers: ['FM13', 'FM7'],
  load: {
    phases: [{ name: 'steady', rate: 40, duration: 'max(20s, ttl + 12s)' }],
    mix: [
      { kind: 'gitlab', share: 0.5, issuer: 'gitlab' },
      { kind: 'customersdot', share: 0.5, issuer: 'customersdot' },
    ],
  },
  timeline: [
    // Outlasts the TTL: the failed provider's cache expires while it is down.
    {
      from: '3s',
      to: 'max(16s, ttl + 8s)',
      fault: { name: 'customersdot-down', kind: 'down', target: 'customersdot' },
    },
  ],
  slos: [
    {
      metric: 'unexpected_rate{kind:gitlab}',
      threshold: 'rate<0.001',
      window: 'during:customersdot-down',
      failureMode: 'FM13',
    },
    // Warm cache: customersdot's last-known-good keys still verify its tokens.
    {
      metric: 'unexpected_rate{kind:customersdot}',
      threshold: 'rate<0.001',
      window: 'during:customersdot-down',
      failureMode: 'FM8',
    },
    { metric: 'status_401_rate', threshold: 'rate==0', failureMode: 'FM13' },
  ],
});
