import { defineScenario } from '../src/scenario/define.ts';

/**
 * The JWT Pizza Factory incident: a slow JWKS endpoint while traffic meets a cold, then a
 * rotated cache. The endpoint is slow before the SUT starts, so even a key prefetch at start-up
 * is slow and the first requests meet an empty cache. The provider's latency stays below the
 * SUT's fetch deadline (a correct SUT succeeds) but above any request-sharing window, and a wave
 * of arrivals outlasts it: a SUT that shares a fetch only for a while fans out.
 */
const SLOW = 'min(max(1200ms, 0.6*fetchTimeout), 4s)';
/** Long enough after the start-up fetch that the rotation lands outside any unknown-kid cooldown. */
const WARM = 'max(3s, cooldown + 1s)';

export default defineScenario({
  name: 'cache-stampede',
  hypothesis:
    'When bursts of requests meet a cold or freshly rotated key cache behind a slow JWKS endpoint, the SUT makes one fetch per provider at a time, keeps its outbound pool free and answers no valid request with 401.',
  covers: ['FM1', 'FM3', 'FM4', 'FM18', 'FM10'],
  beforeStart: [
    {
      from: 0,
      fault: {
        name: 'jwks-slow',
        kind: 'http-latency',
        target: { endpoint: 'jwks' },
        attributes: { ms: SLOW },
      },
    },
  ],
  load: {
    connections: 80,
    phases: [
      // Bursts keep their slot on the timeline, so the actions below line up with the phases.
      { name: 'cold-burst', burst: 60, duration: '2s' },
      { name: 'cold-wave', rate: 40, duration: '3s' },
      { name: 'warm', rate: 20, duration: WARM },
      // No traffic while the key rotates: the next burst is the first to meet the new kid.
      { name: 'quiet', pause: true, duration: '1s' },
      { name: 'rotated-burst', burst: 60, duration: '3s' },
      { name: 'after', rate: 20, duration: '5s' },
    ],
  },
  timeline: [
    // A new key signs right before the second burst: every token in it carries an unknown kid.
    {
      at: `5.3s + ${WARM}`,
      action: {
        kind: 'rotate-keys',
        issuer: 'gitlab',
        publishAhead: 0,
        retireAfter: '30s',
        revokeAfter: '60s',
      },
    },
    { at: `5.3s + ${WARM}`, action: { kind: 'force-refresh' } },
  ],
  preconditions: [
    {
      premise: 'the cold burst met a cache that had to be filled through the slow endpoint',
      metric: 'jwks_fetches',
      threshold: 'count>=1',
      window: 'during:cold-burst',
    },
  ],
  slos: [
    { metric: 'jwks_peak_concurrency', threshold: 'max<=2', window: 'during:cold-burst', failureMode: 'FM1' },
    { metric: 'jwks_peak_concurrency', threshold: 'max<=2', window: 'during:cold-wave', failureMode: 'FM3' },
    { metric: 'status_401_rate', threshold: 'rate<0.001', window: 'during:cold-burst', failureMode: 'FM4' },
    { metric: 'status_401_rate', threshold: 'rate<0.001', window: 'during:cold-wave', failureMode: 'FM18' },
    {
      metric: 'jwks_peak_concurrency',
      threshold: 'max<=2',
      window: 'during:rotated-burst',
      failureMode: 'FM1',
    },
    {
      metric: 'status_401_rate',
      threshold: 'rate<0.001',
      window: 'during:rotated-burst',
      failureMode: 'FM10',
    },
    {
      metric: 'request_duration',
      threshold: 'p(95)<3000',
      window: 'during:rotated-burst',
      failureMode: 'FM3',
    },
    { metric: 'unexpected_rate', threshold: 'rate<0.01', failureMode: 'FM3' },
  ],
});
