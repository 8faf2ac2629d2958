/**
 * A small scenario for the k6 export tests that uses every phase kind, token source, header
 * mode, token event and SLO form the mapping handles (written to a file as a user would).
 */
import type { ScenarioInput } from '../../src/scenario/define.ts';

export const SCENARIO: ScenarioInput = {
  name: 'mapping-drill',
  hypothesis: 'A small drill that exercises every phase kind.',
  load: {
    phases: [
      { name: 'warm', rate: 30, duration: '10s' },
      { name: 'quiet', pause: true, duration: '2s' },
      { name: 'stampede', burst: 50, duration: '3s' },
      { name: 'ramp', rate: 0.5, rampTo: 20, duration: '4s' },
      { name: 'closed', vus: 5, duration: '2s' },
    ],
    mix: [
      { kind: 'valid', share: 3 },
      { kind: 'expired', share: 1, token: 'expired' },
      { kind: 'header-missing', share: 1, headers: 'omit' },
      { kind: 'missing-scope', share: 1, token: 'missing-scope', requires: ['scopes'] },
      { kind: 'careless', share: 1, token: 'pool-reused' },
    ],
  },
  timeline: [
    { at: '3s', action: { kind: 'rotate-keys', issuer: 'gitlab' } },
    { at: '4s', action: { kind: 'force-refresh' } },
    { at: '6s', action: { kind: 'expire-tokens', mode: 'jittered', within: '2s' } },
    {
      from: '5s',
      to: '9s',
      fault: {
        name: 'outage',
        kind: 'http-status',
        target: { endpoint: 'jwks' },
        attributes: { status: 503 },
      },
    },
  ],
  slos: [
    { metric: 'unexpected_rate', threshold: 'rate<0.01' },
    { metric: 'request_duration{kind:valid}', threshold: 'p(95)<500', window: 'during:warm' },
    { metric: 'request_duration{kind:fresh}', threshold: 'p(99)<900' },
    { metric: 'status_401_rate', threshold: 'rate==0', window: 'during:ramp', allowNoSamples: true },
    { metric: 'status_5xx_rate', threshold: 'rate<0.1', abortOnFail: true, delayAbortEval: '2s' },
    { metric: 'dropped_starts', threshold: 'count==0', window: 'during:stampede' },
    { metric: 'jwks_fetches', threshold: 'count>=1', window: 'during:outage' },
    { metric: 'unexpected_rate', threshold: 'rate<0.05', window: 'during:outage' },
    { metric: 'requests', threshold: 'count>10', window: 'baseline' },
    { metric: 'error_rate', threshold: 'rate<0.5', strict: false },
    { metric: 'status_403_rate{kind:missing-scope}', threshold: 'rate==1', requires: ['scopes'] },
  ],
};
