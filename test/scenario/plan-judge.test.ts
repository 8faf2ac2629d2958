import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeScenario, implicitPremises } from '../../src/scenario/judge.ts';
import { createScenarioMetricSource } from '../../src/scenario/metric-source.ts';
import { planScenario } from '../../src/scenario/plan.ts';
import { RequestLog } from '../../src/scenario/request-log.ts';
import { LivePhases, scenarioSpans } from '../../src/scenario/spans.ts';
import type { ScenarioInput } from '../../src/scenario/define.ts';
import type { SutCapability } from '../../src/slo/definition.ts';

const scenario: ScenarioInput = {
  name: 'outage',
  hypothesis: 'keeps serving during an outage',
  load: {
    phases: [
      {
        name: 'steady',
        rate: 10,
        duration: '4s',
        mix: [
          { kind: 'valid', share: 1 },
          { kind: 'missing-scope', share: 1, token: 'missing-scope', expect: [403], requires: ['scopes'] },
        ],
      },
    ],
  },
  timeline: [
    {
      from: '1s',
      to: '3s',
      fault: { name: 'jwks-outage', kind: 'http-status', attributes: { status: 503 } },
    },
  ],
  preconditions: [
    {
      premise: 'the SUT tried the provider during the outage',
      metric: 'jwks_fetches',
      threshold: 'count>=1',
      window: 'during:jwks-outage',
    },
  ],
  slos: [
    { metric: 'unexpected_rate', threshold: 'rate<0.01', window: 'during:jwks-outage', failureMode: 'FM8' },
    { metric: 'status_403_rate{kind:missing-scope}', threshold: 'rate>0.9', requires: ['scopes'] },
    { metric: 'log_matches{pattern:old-jwks-recached}', threshold: 'count>=1' },
    { metric: 'requests', threshold: 'count>0', window: '2s..4s' },
  ],
};

function plan(capabilities: SutCapability[] = [], timeScale = 1) {
  return planScenario(scenario, { timeScale, capabilities: new Set(capabilities), logPatternNames: [] });
}

/** A source where 20 requests were due in each second and the provider saw `fetches` fetches in second 2. */
function source(fetchesInOutage: number, logMatches: (name: string) => number = () => 0) {
  const log = new RequestLog();
  for (let i = 0; i < 40; i++)
    log.add({
      kind: 'valid',
      expect: undefined,
      status: 200,
      error: undefined,
      intendedMs: i * 100,
      sentMs: i * 100,
      doneMs: i * 100 + 5,
    });
  return createScenarioMetricSource({
    requests: log,
    droppedStarts: () => 0,
    idpSeconds: [0, 1, 2, 3].map((t) => ({
      t,
      slots:
        t === 2 && fetchesInOutage > 0
          ? { r0: { gitlab: { fetches: fetchesInOutage, peak: 1, unknownKid: 0 } } }
          : {},
      tokensIssued: 0,
      faultsInjected: 0,
    })),
    proxySamples: [],
    logMatches,
    readinessMismatches: [],
    lateness: [],
    recoverySeries: [],
    baseline: undefined,
    timeScale: 1,
  });
}

const windows = scenarioSpans(
  4000,
  [{ name: 'steady', startMs: 0, endMs: 4000 }],
  [{ name: 'jwks-outage', kind: 'fault', fromMs: 1000, toMs: 3000 }],
  1000,
);
const idp = { seconds: 4, failures: 0, error: undefined };

describe('planning a scenario', () => {
  it('leaves out request kinds and SLOs that test a policy the SUT profile lacks, saying why', () => {
    const p = plan();
    assert.deepEqual(
      p.phaseMixes[0]?.map((k) => k.kind),
      ['valid'],
    );
    assert.match(p.omittedKinds[0]?.reason ?? '', /does not declare scopes/);
    const reasons = [...p.notApplicable.values()].join(' | ');
    assert.match(reasons, /does not declare scopes/);
    assert.match(reasons, /no log pattern 'old-jwks-recached'/);
    assert.equal(plan(['scopes']).omittedKinds.length, 0);
  });

  it('prints interval windows in run time, with the scale applied', () => {
    const p = plan([], 0.5);
    const interval = p.slos.find((s) => s.metric.name === 'requests');
    assert.equal(interval?.windowText, '1.00s..2.00s');
    assert.match(interval?.name ?? '', /@ 1\.00s\.\.2\.00s$/);
  });
});

describe('judging a scenario', () => {
  it('is inconclusive when the SUT never met the fault, whatever the SLOs say', () => {
    const verdict = judgeScenario({ plan: plan(), source: source(0), windows, timeline: [], idp });
    assert.equal(verdict.status, 'inconclusive');
    const unmet = verdict.preconditions.filter((p) => !p.met);
    assert.deepEqual(
      unmet.map((p) => p.premise),
      ['the SUT tried the provider during the outage'],
    );
    assert.match(unmet[0]?.message ?? '', /count was 0/);
  });

  it('passes when the premise held and the applicable SLOs were met; n/a SLOs are not judged', () => {
    const verdict = judgeScenario({ plan: plan(), source: source(2), windows, timeline: [], idp });
    assert.equal(verdict.status, 'passed', JSON.stringify(verdict.slos));
    assert.deepEqual(
      verdict.slos.map((v) => v.status),
      ['pass', 'n/a', 'n/a', 'pass'],
    );
    assert.equal(verdict.slos[0]?.failureMode, 'FM8');
  });

  it('never evaluates an n/a SLO: a log pattern the config lacks is n/a, not a harness error', () => {
    // The SUT's pattern counter refuses names the config does not define (a typo would read 0).
    const strict = (name: string): number => {
      throw new TypeError(`logPatterns: no pattern named "${name}" (known: none)`);
    };
    const verdict = judgeScenario({ plan: plan(), source: source(2, strict), windows, timeline: [], idp });
    assert.equal(verdict.status, 'passed');
    const log = verdict.slos.find((v) => v.metric.startsWith('log_matches'));
    assert.equal(log?.status, 'n/a');
    assert.match(log?.message ?? '', /no log pattern 'old-jwks-recached'/);
  });

  it('holds a late or failed timeline step against the drill, not the SUT', () => {
    const premises = implicitPremises({
      timeline: [
        { atMs: 1000, what: 'fault jwks-outage applied', ok: true, lateMs: 20 },
        { atMs: 2900, what: 'rotate-keys gitlab', ok: true, lateMs: 900 },
        { atMs: 3000, what: 'fault jwks-outage revert failed', ok: false },
        { atMs: 3100, what: 'force-refresh', ok: false, detail: 'mock-idp down' },
      ],
      idp,
    });
    const unmet = premises.filter((p) => !p.met);
    assert.equal(unmet.length, 2);
    assert.match(unmet[0]?.message ?? '', /force-refresh: mock-idp down/);
    assert.match(unmet[1]?.message ?? '', /rotate-keys gitlab took effect 900 ms late/);
  });
});

describe('live phase spans', () => {
  it('open when the engine reports a new phase and close when the next one opens', () => {
    const phases = new LivePhases();
    phases.observe('warm', 0);
    phases.observe('warm', 250);
    phases.observe('burst', 500);
    assert.deepEqual(phases.spans(700), [
      { name: 'warm', startMs: 0, endMs: 500 },
      { name: 'burst', startMs: 500, endMs: 700 },
    ]);
  });
});
