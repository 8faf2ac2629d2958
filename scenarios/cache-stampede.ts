import { defineScenario } from '../src/scenario/define.ts';

/** The JWT Pizza Factory incident: JWKS latency climbing 200 → 1200 ms while bursts meet a cold, then rotated cache. */
export default defineScenario({
  name: 'cache-stampede',
  hypothesis:
    'When bursts of requests meet a cold or freshly rotated key cache while the JWKS endpoint slows from 200 to 1200 ms, the SUT makes one fetch per provider at a time, keeps its pool free and answers no request with 401.',
  covers: ['FM1', 'FM3', 'FM4', 'FM18', 'FM2'],
  // The first burst must meet a cache that has never been filled.
  waitForReady: false,
  load: {
    connections: 80,
    phases: [
      // Bursts keep their slot on the timeline, so the actions below line up with the phases.
      { name: 'cold-burst', burst: 60, duration: '2s' },
      { name: 'warm', rate: 20, duration: '3s' },
      // No traffic while the key rotates: the next burst is the first to meet the new kid.
      { name: 'quiet', pause: true, duration: '1s' },
      { name: 'rotated-burst', burst: 60, duration: '3s' },
      { name: 'after', rate: 20, duration: '5s' },
    ],
  },
  timeline: [
    {
      from: 0,
      to: '3s',
      fault: {
        name: 'jwks-200ms',
        kind: 'http-latency',
        target: { endpoint: 'jwks' },
        attributes: { ms: '200ms' },
      },
    },
    {
      from: '3s',
      fault: {
        name: 'jwks-1200ms',
        kind: 'http-latency',
        target: { endpoint: 'jwks' },
        attributes: { ms: '1200ms' },
      },
    },
    // A new key signs right before the second burst: every token in it carries an unknown kid.
    {
      at: '5.3s',
      action: {
        kind: 'rotate-keys',
        issuer: 'gitlab',
        publishAhead: 0,
        retireAfter: '30s',
        revokeAfter: '60s',
      },
    },
    { at: '5.3s', action: { kind: 'force-refresh' } },
  ],
  slos: [
    { metric: 'jwks_peak_concurrency', threshold: 'max<=2' },
    { metric: 'status_401_rate', threshold: 'rate<0.001' },
    { metric: 'unexpected_rate', threshold: 'rate<0.01' },
    { metric: 'request_duration', threshold: 'p(95)<3000', window: 'during:rotated-burst' },
  ],
});
