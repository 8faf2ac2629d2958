/**
 * A drill whose premise failed proved nothing about detection: an expected alert that did not
 * fire becomes inconclusive ("nothing to detect"), while firings and silence verdicts stand.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlertVerdict } from '../../src/alerts/index.ts';
import type { PreconditionVerdict } from '../../src/result/types.ts';
import { withUnmetPremises } from '../../src/scenario/alert-check.ts';

const verdict = (alert: string, over: Partial<AlertVerdict>): AlertVerdict => ({
  alert,
  files: ['alerts/drill/auth.rules.yml'],
  expected: 'fire',
  withinMs: 20_000,
  fired: false,
  pendingAtMs: undefined,
  firingAtMs: undefined,
  timeToDetectMs: undefined,
  requiredMs: 13_000,
  firingLabels: [],
  status: 'fail',
  reason: 'did not fire within 20.0s of the fault',
  ...over,
});

const premise = (met: boolean): PreconditionVerdict => ({
  id: 'p',
  premise: 'the SUT fanned out parallel JWKS fetches',
  met,
  observed: met ? 8 : 1,
});

const verdicts = [
  verdict('JWKSStampedeRisk', {}),
  verdict('Auth401Spike', { fired: true, status: 'pass', timeToDetectMs: 11_000, reason: 'fired' }),
  verdict('JWKSFetchFailing', { expected: 'silent', fired: true, status: 'fail', reason: 'fired' }),
];

describe('alert verdicts of a drill whose premise failed', () => {
  it('turns a missed expected alert into inconclusive, naming the premise', () => {
    const [missed, fired, loud] = withUnmetPremises(verdicts, [premise(true), premise(false)]);
    assert.equal(missed?.status, 'inconclusive');
    assert.match(missed?.reason ?? '', /premise did not hold \(the SUT fanned out parallel JWKS fetches\)/);
    assert.equal(fired?.status, 'pass');
    assert.equal(loud?.status, 'fail');
  });

  it('leaves every verdict as judged when the premises held', () => {
    assert.deepEqual(withUnmetPremises(verdicts, [premise(true)]), verdicts);
  });
});
