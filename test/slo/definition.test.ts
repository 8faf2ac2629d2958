import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../src/errors.ts';
import { checkSlos, resolveSlos } from '../../src/slo/definition.ts';

describe('SLO definitions', () => {
  it('fills every default and names the SLO after what it judges', () => {
    const [slo] = resolveSlos([{ metric: 'request_duration{kind:fresh}', threshold: 'p(95)<500' }]);
    assert.ok(slo);
    assert.equal(slo.name, 'request_duration{kind:fresh} p(95)<500 @ run');
    assert.equal(slo.kind, 'trend');
    assert.deepEqual(slo.window, { type: 'run' });
    assert.equal(slo.strict, true);
    assert.equal(slo.abortOnFail, false);
    assert.equal(slo.delayAbortEvalMs, 0);
    assert.equal(slo.allowNoSamples, false);
  });

  it('accepts several thresholds, windows, warn-only and abort options', () => {
    const [slo] = resolveSlos(
      [
        {
          name: 'outage 401s',
          metric: 'status_401_rate',
          thresholds: ['rate<0.1%', 'rate<=0.01'],
          window: 'during:jwks-outage',
          abortOnFail: true,
          delayAbortEval: '5s',
        },
      ],
      { windowNames: ['jwks-outage'] },
    );
    assert.ok(slo);
    assert.equal(slo.thresholds.length, 2);
    assert.equal(slo.thresholds[0]?.value, 0.001);
    assert.deepEqual(slo.window, { type: 'during', name: 'jwks-outage' });
    assert.equal(slo.windowText, 'during:jwks-outage');
    assert.equal(slo.delayAbortEvalMs, 5000);
    const [interval] = resolveSlos([
      { metric: 'late_starts', threshold: 'count==0', window: { from: '10s', to: 30_000 } },
    ]);
    assert.deepEqual(interval?.window, { type: 'interval', fromMs: 10_000, toMs: 30_000 });
  });

  it('reports every problem with its dotted path and the column of expression errors', () => {
    const { problems, slos } = checkSlos(
      [
        { metric: 'request_duration', threshold: 'p(95)<<500' },
        { metric: 'request_duration', threshold: 'rate<0.1' },
        { metric: 'nope', threshold: 'count==0' },
        { metric: 'status_5xx_rate', thresholds: ['rate<0.01', 'rate<'], window: 'sometimes' },
        { metric: 'jwks_fetches', threshold: 'count<3', strict: false, abortOnFail: true },
        { metric: 'jwks_fetches', threshold: 'count<3', delayAbortEval: 'soon', extra: 1 },
        { metric: 'jwks_fetches', threshold: 'count<3', delayAbortEval: 'soon', abortOnFail: true },
        { metric: 'jwks_fetches' },
        { metric: 'jwks_fetches', threshold: 'count<3', window: 'during:typo' },
        'not an object',
        { metric: 'jwks_fetches', threshold: 'count<3', delayAbortEval: '1s' },
      ],
      { windowNames: ['jwks-outage'] },
    );
    assert.equal(slos.length, 0);
    const byPath = new Map(problems.map((p) => [p.path, p.message]));
    assert.equal(byPath.get('slos[0].threshold'), `column 7: expected a number, found '<' in "p(95)<<500"`);
    assert.match(
      byPath.get('slos[1].threshold') ?? '',
      /^column 1: 'rate' does not apply to trend metric request_duration/,
    );
    assert.match(byPath.get('slos[2].metric') ?? '', /^column 1: unknown metric 'nope'/);
    assert.match(byPath.get('slos[3].thresholds[1]') ?? '', /^column 6: expected a number/);
    assert.match(byPath.get('slos[3].window') ?? '', /"sometimes" is not a window/);
    assert.match(byPath.get('slos[4].abortOnFail') ?? '', /warn-only SLO/);
    assert.match(byPath.get('slos[5].extra') ?? '', /unknown key/);
    assert.match(byPath.get('slos[6].delayAbortEval') ?? '', /"soon" is not a duration/);
    assert.match(byPath.get('slos[7].threshold') ?? '', /is required/);
    assert.match(byPath.get('slos[8].window') ?? '', /no fault or phase named 'typo' .*known: jwks-outage/);
    assert.ok(byPath.has('slos[9]'));
    assert.ok(
      problems.some(
        (p) => p.path === 'slos[10].delayAbortEval' && /only applies with abortOnFail/.test(p.message),
      ),
    );
  });

  it('explains a bad window object', () => {
    const { problems } = checkSlos([
      { metric: 'requests', threshold: 'count>0', window: { from: '1s', until: '2s' } },
      { metric: 'requests', threshold: 'count>0', window: 5 },
    ]);
    assert.deepEqual(problems, [
      { path: 'slos[0].window', message: "unknown key 'until' (a window object has from and to)" },
      {
        path: 'slos[1].window',
        message: 'must be a window (baseline, recovery, run, during:<name>, 10s..30s or {from, to})',
      },
    ]);
  });

  it('throws a ValidationError that lists every problem', () => {
    assert.throws(
      () =>
        resolveSlos([
          { metric: 'requests', threshold: 'count>' },
          { metric: 'requests', threshold: 'x' },
        ]),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.equal(error.code, 'ERR_INVALID_CONFIG');
        assert.equal(error.exitCode, 2);
        assert.deepEqual(
          error.problems.map((p) => p.path),
          ['slos[0].threshold', 'slos[1].threshold'],
        );
        return true;
      },
    );
    assert.throws(() => resolveSlos({}), /slos: must be a list/);
  });

  it('rejects two SLOs with the same name', () => {
    const { problems } = checkSlos([
      { name: 'a', metric: 'requests', threshold: 'count>0' },
      { name: 'a', metric: 'requests', threshold: 'count>1' },
    ]);
    assert.deepEqual(problems, [{ path: 'slos[1].name', message: `'a' is already used by slos[0]` }]);
  });
});
