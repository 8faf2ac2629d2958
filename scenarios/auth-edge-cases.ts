import { defineScenario } from '../src/scenario/define.ts';

/**
 * The triage table of the GitLab Duo runbook, one request kind per row. Rows that test a policy
 * besides signature and claims checks (a header that must match a claim, a scope that must be
 * present) are sent only to a SUT whose profile declares that policy: for any other verifier the
 * answer says nothing about its security and is reported as not applicable.
 */
export default defineScenario({
  name: 'auth-edge-cases',
  hypothesis:
    'Every malformed, expired, unverifiable, forged or mis-scoped token and every missing or mismatched header is rejected with the status the triage table expects, and valid tokens pass.',
  covers: ['FM23'],
  tags: ['canary'],
  load: {
    phases: [{ name: 'mixed', rate: 60, duration: '10s' }],
    // No entry names its statuses: each gets the one expectation table's (src/load/outcome.ts),
    // 401 for every bad token or header, 403 for the missing scope.
    mix: [
      { kind: 'valid', share: 4 },
      { kind: 'malformed', share: 1, token: 'malformed' },
      { kind: 'expired', share: 1, token: 'expired' },
      { kind: 'not-yet-valid', share: 1, token: 'not-yet-valid' },
      { kind: 'bad-signature', share: 1, token: 'bad-signature' },
      { kind: 'rogue-key', share: 1, token: 'rogue-key' },
      { kind: 'alg-none', share: 1, token: 'alg-none' },
      { kind: 'hs256-confusion', share: 1, token: 'hs256-confusion' },
      { kind: 'wrong-issuer', share: 1, token: 'wrong-issuer' },
      { kind: 'wrong-audience', share: 1, token: 'wrong-audience' },
      { kind: 'header-mismatch', share: 1, headers: 'mismatch', requires: ['claimHeaders'] },
      { kind: 'header-missing', share: 1, headers: 'omit', requires: ['claimHeaders'] },
      { kind: 'missing-scope', share: 1, token: 'missing-scope', requires: ['scopes'] },
      { kind: 'no-token', share: 1, token: 'none' },
    ],
  },
  slos: [
    { metric: 'security_failures', threshold: 'count==0', failureMode: 'FM23' },
    { metric: 'unexpected_rate', threshold: 'rate==0', failureMode: 'FM23' },
    { metric: 'unexpected_rate{kind:valid}', threshold: 'rate==0', failureMode: 'FM23' },
    { metric: 'status_5xx_rate', threshold: 'rate==0', failureMode: 'FM23' },
  ],
});
