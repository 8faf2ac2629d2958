import { defineScenario } from '../src/scenario/define.ts';

/**
 * False positives: baseline's healthy traffic, long enough for every shipped drill-scale rule to
 * have had the chance to fire. The slowest one, AuthLatencyDynamicHigh, compares p95 over 10 s
 * with its 30 s baseline 10 s back: 50 s of data plus `for: 3s`. The default `baseline` (12 s)
 * cannot prove that silence — a silent rule that could not have fired proves nothing — so this
 * is its own opt-in drill, written for `timeScale` 0.5 and up (60 s of load at 0.5).
 */
export default defineScenario({
  name: 'alert-silence',
  hypothesis:
    "With a healthy provider and steady traffic of fresh tokens, none of keystorm's shipped alerts fires: a page in this drill would be a false positive.",
  covers: ['FM20'],
  tags: ['alerts'],
  load: { phases: [{ name: 'steady', rate: 20, duration: '120s' }] },
  silentAlerts: [
    'Auth401Spike',
    'AuthRejectionRatioHigh',
    'JWKSStampedeRisk',
    'AuthLatencyDynamicHigh',
    'JWKSFetchFailing',
    'KeysUnavailableNotReady',
    'JWKSIncompleteCached',
    'OldJWKSRecached',
  ],
  slos: [
    { metric: 'unexpected_rate', threshold: 'rate<0.001', failureMode: 'FM20' },
    { metric: 'status_5xx_rate', threshold: 'rate==0', failureMode: 'FM20' },
  ],
});
