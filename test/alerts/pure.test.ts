/**
 * The parts of alert verification that need no process: reading /metrics text, promtool's value
 * notation, rule look-backs, relabel and the verdict rules (inconclusive, never a silent pass).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePromText, seriesKey } from '../../src/alerts/prom-text.ts';
import { applyRelabel, relabelProblems } from '../../src/alerts/relabel.ts';
import { exprLookbackMs, parsePromDuration, resolveRuleFiles } from '../../src/alerts/rule-files.ts';
import { valuesNotation } from '../../src/alerts/test-file.ts';
import { parseGotSamples } from '../../src/alerts/evaluate.ts';
import { alertVerdicts } from '../../src/alerts/verdicts.ts';
import type { AlertRuleInfo } from '../../src/alerts/rule-files.ts';

describe('Prometheus text', () => {
  it('reads labels with escapes, +Inf buckets and skips comments', () => {
    const samples = parsePromText(
      [
        '# HELP x help',
        '# TYPE x counter',
        'x_total{path="/a",msg="say \\"hi\\"\\n"} 3',
        'h_bucket{le="+Inf"} 7 1700000000000',
        'plain 1.5e3',
        'broken{a=} 1',
      ].join('\n'),
    );
    assert.deepEqual(samples, [
      { name: 'x_total', labels: { path: '/a', msg: 'say "hi"\n' }, value: 3 },
      { name: 'h_bucket', labels: { le: '+Inf' }, value: 7 },
      { name: 'plain', labels: {}, value: 1500 },
    ]);
    assert.equal(seriesKey('x', { b: '2', a: '"1"' }), 'x{a="\\"1\\"",b="2"}');
  });
});

describe("promtool's value notation", () => {
  it('writes _ before a series appears, stale when it vanishes, and stops after', () => {
    assert.equal(valuesNotation([null, 1, 2, null, 4, null, null]), '_ 1 2 stale 4 stale');
    assert.equal(valuesNotation([null, null]), '');
    assert.equal(valuesNotation([Infinity, 0.5]), 'Inf 0.5');
  });
});

describe('rule look-back', () => {
  it('takes the longest range or subquery plus offset', () => {
    assert.equal(parsePromDuration('1h30m'), 5_400_000);
    assert.equal(parsePromDuration('soon'), undefined);
    assert.equal(exprLookbackMs('increase(a[1m]) > 25 and b > 5'), 60_000);
    assert.equal(exprLookbackMs('x > 3 * avg_over_time(x[30m] offset 5m)'), 35 * 60_000);
    assert.equal(exprLookbackMs('max_over_time(rate(a[10s])[2m:5s])'), 120_000);
    assert.equal(exprLookbackMs('up == 0'), 0);
  });
});

describe('relabel', () => {
  it("copies recorded series under the team's metric and label names", () => {
    const out = applyRelabel(
      { 'http_requests_total{path="/a",status="401"}': [1, 2] },
      {
        team_total: { from: 'http_requests_total', labels: { code: 'status' } },
        other_total: 'http_requests_total',
      },
    );
    assert.deepEqual(Object.keys(out).sort(), [
      'http_requests_total{path="/a",status="401"}',
      'other_total{path="/a",status="401"}',
      'team_total{code="401",path="/a"}',
    ]);
    assert.deepEqual(
      relabelProblems({ 'bad-name': 'x', ok: { from: 3 } }).map((p) => p.path),
      ['relabel.bad-name', 'relabel.ok'],
    );
  });
});

describe("promtool's failure output", () => {
  it('yields every got sample with its labels', () => {
    const out = [
      '  FAILED:',
      '    expr: "…", time: 24s,',
      '        exp: nil',
      '        got: {alertname="A", alertstate="firing", keystorm_query="first_firing", provider="x, y"} 1.7E+01, {alertname="B", keystorm_query="first_firing"} 3',
    ].join('\n');
    assert.deepEqual(parseGotSamples(out), [
      {
        labels: { alertname: 'A', alertstate: 'firing', keystorm_query: 'first_firing', provider: 'x, y' },
        value: 17,
      },
      { labels: { alertname: 'B', keystorm_query: 'first_firing' }, value: 3 },
    ]);
  });
});

describe('alert verdicts', () => {
  const rule = (alert: string, lookbackMs: number, forMs: number): AlertRuleInfo => ({
    alert,
    file: 'r.yml',
    expr: 'x',
    forMs,
    lookbackMs,
    requiredMs: lookbackMs + forMs,
  });
  const obs = (alert: string, firingAtMs: number) => ({
    alert,
    firstPendingAtMs: undefined,
    firstFiringAtMs: firingAtMs,
    lastFiringAtMs: firingAtMs,
    firstPendingAfterFaultAtMs: undefined,
    firstFiringAfterFaultAtMs: firingAtMs >= 10_000 ? firingAtMs : undefined,
    firingLabels: [],
  });
  const judge = (
    observations: ReturnType<typeof obs>[],
    expectFiring: Record<string, number>,
    expectSilent: string[],
  ) =>
    alertVerdicts({
      rules: [rule('Fast', 10_000, 3000), rule('Slow', 300_000, 300_000), rule('Early', 0, 0)],
      observations: new Map(observations.map((o) => [o.alert, o])),
      expectFiring,
      expectSilent,
      reportOthers: false,
      recordedFromMs: 0,
      recordedToMs: 40_000,
      faultStartMs: 10_000,
    });

  it('passes a firing within the deadline and fails a late one, with the time to detect', () => {
    const [fast] = judge([obs('Fast', 18_000)], { Fast: 10_000 }, []);
    assert.equal(fast?.status, 'pass');
    assert.equal(fast?.timeToDetectMs, 8000);
    const [late] = judge([obs('Fast', 25_000)], { Fast: 10_000 }, []);
    assert.equal(late?.status, 'fail');
    assert.match(late?.reason ?? '', /fired 15\.0s after the fault, later than the 10\.0s expected/);
  });

  it('fails a rule that had time and stayed silent, but calls one that had no time inconclusive', () => {
    const [fast, slow] = judge([], { Fast: 20_000, Slow: 600_000 }, []);
    assert.equal(fast?.status, 'fail');
    assert.equal(slow?.status, 'inconclusive');
    assert.match(slow?.reason ?? '', /could not have fired: the rule needs 10m00s/);
  });

  it('never credits an alert that was firing before the fault', () => {
    const [early] = judge([obs('Early', 2000)], { Early: 60_000 }, []);
    assert.equal(early?.status, 'inconclusive');
  });

  it('passes silence only when the rule could have fired', () => {
    const [fast, slow] = judge([], {}, ['Fast', 'Slow']);
    assert.equal(fast?.status, 'pass');
    assert.equal(slow?.status, 'inconclusive');
    const [fired] = judge([obs('Fast', 30_000)], {}, ['Fast']);
    assert.equal(fired?.status, 'fail');
  });
});

describe('--alerts rule files', () => {
  it('resolves paths against the working directory and lists every missing one by position', async () => {
    const cwd = new URL('../..', import.meta.url).pathname;
    const { files, problems } = await resolveRuleFiles(
      ['alerts/auth.rules.yml', 'nope.yml', 'alerts/drill/auth.rules.yml', 'also-missing.yml'],
      cwd,
    );
    assert.equal(files[0], `${cwd}alerts/auth.rules.yml`);
    assert.deepEqual(
      problems.map((p) => p.path),
      ['--alerts[1]', '--alerts[3]'],
    );
    assert.match(problems[0]?.message ?? '', /nope\.yml: no such rule file/);
  });
});
