import { defineScenario } from '../src/scenario/define.ts';

/**
 * Would on-call have been told? The JWT Pizza Factory incident replayed for its detection half:
 * the JWKS endpoint turns slow under steady traffic of valid tokens, and keystorm's shipped
 * drill-scale rules are evaluated by promtool over the series recorded during the drill.
 *
 * The alerts can only detect a stampede that happened: a SUT that coalesces its fetches (the
 * hardened example gateway) has nothing to detect, and the premises below make that run
 * `inconclusive` ("nothing to detect"), never a pass of an alert that had no reason to fire.
 * Its silence through a healthy minute is `alert-silence`'s question.
 *
 * Lengths are real-time needs: Auth401Spike needs 13 s of data after the fault (10 s window +
 * `for: 3s`), and a detection within 20 s must fit in the recording. The drill durations are
 * written for `timeScale` 0.5 and up (at 0.5: a 4 s lead-in, 26 s of fault).
 */
const SLOW = 'min(max(1200ms, 0.6*fetchTimeout), 4s)';

export default defineScenario({
  name: 'alert-detection',
  hypothesis:
    "When a slow JWKS endpoint makes the SUT fan out key fetches and reject valid tokens, keystorm's shipped alerts detect it: JWKSStampedeRisk and Auth401Spike, each within 20 s of the fault.",
  covers: ['FM1', 'FM3', 'FM4'],
  tags: ['alerts'],
  load: {
    connections: 80,
    phases: [
      // Shorter than the example gateway's TTL and gentler than the storm: a naive cache that
      // expired under 40 req/s would stampede before the fault, and an alert already firing
      // then cannot be credited with detecting it.
      { name: 'lead-in', rate: 20, duration: '8s' },
      { name: 'slow-provider', rate: 40, duration: '52s' },
    ],
  },
  timeline: [
    {
      from: '8s',
      fault: {
        name: 'jwks-slow',
        kind: 'http-latency',
        target: { endpoint: 'jwks' },
        attributes: { ms: SLOW },
      },
    },
  ],
  preconditions: [
    {
      premise: 'the SUT fanned out parallel JWKS fetches during the slow spell (a stampede to detect)',
      metric: 'jwks_peak_concurrency',
      threshold: 'max>5',
      window: 'during:jwks-slow',
    },
    {
      premise: 'the SUT rejected valid tokens during the slow spell (a 401 wave to detect)',
      metric: 'status_401_rate',
      threshold: 'rate>0.05',
      window: 'during:jwks-slow',
    },
  ],
  expectAlerts: { JWKSStampedeRisk: { within: '20s' }, Auth401Spike: { within: '20s' } },
  // The drill judges detection; the SUT's own SLOs under this fault are cache-stampede's.
  slos: [{ metric: 'requests', threshold: 'count>0', window: 'during:jwks-slow' }],
});
