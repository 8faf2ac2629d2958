/**
 * The incident-review report's pieces, on real data: a RequestLog fed like the load engine
 * feeds it, and the summary.json of a real short run (test/reporters/fixtures, written by
 * `keystorm run test/report-browser/short-drill.ts`: two overlapping faults and a forced refresh).
 * Every assert.ok has a message: without one, a failing assert.ok under tsx's source maps can
 * hang while Node looks for the call's source text.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AlertVerdict } from '../../src/alerts/verdicts.ts';
import type { RequestSample } from '../../src/load/engine.ts';
import { chartData, FAULT_COLOURS } from '../../src/report/chart-data.ts';
import { compareRuns } from '../../src/report/compare.ts';
import { degradedPeriods, timeToRecoverMs } from '../../src/report/health.ts';
import { reviewScenario } from '../../src/report/incident.ts';
import { renderHtml } from '../../src/reporters/html.ts';
import { summaryJson } from '../../src/reporters/json.ts';
import { renderMarkdown } from '../../src/reporters/markdown.ts';
import type { RunResult, ScenarioResult } from '../../src/result/types.ts';
import { RequestLog } from '../../src/scenario/request-log.ts';
import { chartBucketMs, toChartSeries, toSpanLatency } from '../../src/scenario/summaries.ts';
import { startCli } from '../e2e/cli.ts';

const FIXTURE = new URL('./fixtures/report-drill.summary.json', import.meta.url);

function sample(kind: string, intendedMs: number, status: number, latencyMs = 5): RequestSample {
  return {
    kind,
    expect: kind === 'expired' ? [401] : undefined,
    status,
    error: undefined,
    intendedMs,
    sentMs: intendedMs,
    doneMs: intendedMs + latencyMs,
  };
}

/** A fresh copy of the real run (tests change it). */
async function realRun(): Promise<RunResult> {
  return JSON.parse(await readFile(FIXTURE, 'utf8')) as RunResult;
}

function firstScenario(run: RunResult): ScenarioResult {
  const s = run.scenarios[0];
  assert.ok(s !== undefined, 'the run has a scenario');
  return s;
}

describe('chart series from the request log', () => {
  it('uses 250 ms buckets under a minute, 1 s under ten minutes, and about 600 points beyond', () => {
    assert.equal(chartBucketMs(10_000), 250);
    assert.equal(chartBucketMs(90_000), 1000);
    assert.equal(chartBucketMs(3_600_000), 6000);
  });

  it('keeps each request kind in its own series, booked by when it was due', () => {
    const log = new RequestLog();
    for (let t = 0; t < 10_000; t += 100) log.add(sample('fresh', t, t >= 4000 && t < 4250 ? 401 : 200));
    for (let t = 50; t < 10_000; t += 500) log.add(sample('expired', t, 401));
    const chart = toChartSeries(log, 10_000);
    assert.equal(chart.bucketMs, 250);
    const fresh = chart.kinds.find((k) => k.kind === 'fresh');
    const expired = chart.kinds.find((k) => k.kind === 'expired');
    assert.ok(fresh !== undefined && expired !== undefined, 'both kinds charted');
    assert.equal(fresh.positive, true);
    assert.equal(expired.positive, false);
    assert.equal(fresh.requests.length, 40);
    // 4000–4250 ms is bucket 16: three fresh requests refused, each unexpected.
    assert.deepEqual([fresh.s401[16], fresh.unexpected[16], fresh.ok[16]], [3, 3, 0]);
    // An expired token refused with 401 is the expected outcome, not a failure.
    assert.equal(
      expired.unexpected.reduce((a, b) => a + b, 0),
      0,
    );
    assert.equal(
      expired.s401.reduce((a, b) => a + b, 0),
      20,
    );
  });

  it('joins a sliver at the end to the last bucket instead of drawing an empty one', async () => {
    const log = new RequestLog();
    for (let t = 0; t < 10_000; t += 100) log.add(sample('fresh', t, 200));
    const chart = toChartSeries(log, 10_030);
    assert.equal(chart.kinds[0]?.requests.length, 40);
    assert.equal(chart.untilMs, 10_030);
    const data = chartData({ ...firstScenario(await realRun()), chart }, [], null);
    assert.equal(data.w[39], 0.28);
    assert.ok(
      data.kinds[0]?.ok.every((n) => n > 0),
      'no empty bucket at the end',
    );
  });

  it('leaves negative kinds out of the p95 a fault is compared with', () => {
    const log = new RequestLog();
    for (let t = 0; t < 3000; t += 100) log.add(sample('fresh', t, 200, 10));
    for (let t = 0; t < 3000; t += 100) log.add(sample('expired', t, 401, 5000));
    const spans = toSpanLatency(log, [
      { name: 'baseline', kind: 'baseline', fromMs: 0, toMs: 1000 },
      { name: 'slow', kind: 'fault', fromMs: 1000, toMs: 3000 },
    ]);
    assert.deepEqual(spans, [
      { window: 'baseline', p95: 10, samples: 10 },
      { window: 'slow', p95: 10, samples: 20 },
    ]);
  });
});

/** The real scenario's shape, for pieces that need a whole ScenarioResult. */
let shape: ScenarioResult | undefined;
function firstScenarioShape(): ScenarioResult {
  assert.ok(shape !== undefined, 'the fixture is loaded');
  return structuredClone(shape);
}

describe('a real run read as an incident review', () => {
  before(async () => {
    shape = firstScenario(await realRun());
  });

  it('sums up what was injected, what happened and the verdict in one paragraph', () => {
    const review = reviewScenario(firstScenarioShape());
    assert.match(
      review.summary,
      /^Injected faults jwks-slow \(http-latency\) from \+\d+ms to \+[\d.]+s and discovery-down \(http-status\) from/,
    );
    assert.match(review.summary, /force-refresh at \+/);
    assert.match(review.summary, /No request expecting success failed \(\d+ sent\)/);
    assert.match(review.summary, /Verdict: passed\.$/);
  });

  it('puts faults and actions on one timeline, in order, in run time', () => {
    const review = reviewScenario(firstScenarioShape());
    const kinds = review.timeline.map((e) => e.kind);
    assert.deepEqual(kinds, ['fault-on', 'fault-on', 'action', 'fault-off', 'fault-off']);
    const times = review.timeline.map((e) => e.atMs);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
  });

  it('marks the SUT degraded where requests expecting success failed, and times its recovery from the last fault', () => {
    const s = firstScenarioShape();
    const fresh = s.chart?.kinds.find((k) => k.kind === 'fresh');
    assert.ok(fresh !== undefined && s.chart !== undefined, 'the fresh kind is charted');
    const lifted = Math.max(...s.windows.filter((w) => w.kind === 'fault').map((w) => w.toMs));
    const bucket = Math.floor(lifted / s.chart.bucketMs);
    fresh.unexpected[bucket] = 2;
    fresh.s401[bucket] = 2;
    const periods = degradedPeriods(s);
    assert.equal(periods.length, 1);
    assert.equal(periods[0]?.fromMs, bucket * s.chart.bucketMs);
    assert.equal(timeToRecoverMs(s), (bucket + 1) * s.chart.bucketMs - lifted);
    const review = reviewScenario(s);
    assert.equal(review.impact.rejected, 2);
    const degraded = review.timeline.find((e) => e.what === 'SUT degraded');
    assert.match(degraded?.detail ?? '', /2 of \d+ requests expecting success failed \(2 with 401\/403\)/);
    assert.ok(
      review.timeline.some((e) => e.what === 'SUT recovered'),
      'a recovery row',
    );
  });

  it('says the SUT did not recover when failures last to the end of the run', () => {
    const s = firstScenarioShape();
    const fresh = s.chart?.kinds.find((k) => k.kind === 'fresh');
    assert.ok(fresh !== undefined, 'the fresh kind is charted');
    const last = fresh.unexpected.length - 1;
    fresh.unexpected[last] = 1;
    fresh.unexpected[last - 1] = 1;
    assert.equal(timeToRecoverMs(s), null);
    assert.match(reviewScenario(s).summary, /not recovered when the run ended/);
  });

  it('places alert pending and firing on the timeline and as a chart marker, from their epoch stamps', () => {
    const s = firstScenarioShape();
    const origin = s.loadEpochMs ?? 0;
    const alert: AlertVerdict = {
      alert: 'JwksFetchFailing',
      files: ['alerts/jwks.rules.yml'],
      expected: 'fire',
      withinMs: 60_000,
      fired: true,
      pendingAtMs: origin + 1200,
      firingAtMs: origin + 1800,
      timeToDetectMs: 1300,
      requiredMs: 1000,
      firingLabels: [],
      status: 'pass',
      reason: 'fired 1.30s after the fault',
    };
    s.alerts = [alert];
    const review = reviewScenario(s);
    assert.deepEqual(
      review.detection.map((d) => [d.pendingMs, d.firingMs]),
      [[1200, 1800]],
    );
    const rows = review.timeline.filter((e) => e.kind === 'alert').map((e) => [e.atMs, e.what]);
    assert.deepEqual(rows, [
      [1200, 'alert JwksFetchFailing pending'],
      [1800, 'alert JwksFetchFailing firing'],
    ]);
    const markers = chartData(s, review.timeline, null).markers;
    assert.ok(
      markers.some((m) => m.kind === 'alert' && m.at === 1.8),
      'an alert marker at 1.8 s',
    );
  });

  it('gives two overlapping faults bands of different colours', () => {
    const s = firstScenarioShape();
    const bands = chartData(s, reviewScenario(s).timeline, null).bands;
    assert.deepEqual(
      bands.map((b) => [b.name, b.colour]),
      [
        ['jwks-slow', FAULT_COLOURS[0]],
        ['discovery-down', FAULT_COLOURS[1]],
      ],
    );
    assert.ok((bands[1]?.from ?? 0) < (bands[0]?.to ?? 0), 'the faults overlap');
  });

  it('spans every chart of a scenario over the load, without a mostly-empty last second', () => {
    const s = firstScenarioShape();
    const data = chartData(s, [], null);
    assert.equal(data.xMax, (s.chart?.untilMs ?? 0) / 1000);
    assert.ok(
      data.jwks.t.every((t) => t + 0.5 <= data.xMax),
      `JWKS seconds ${data.jwks.t.join(',')} within ${data.xMax}`,
    );
    assert.ok(data.jwks.t.length >= Math.floor(data.xMax), 'every whole second of the load is charted');
  });

  it('writes summary.json with the chart series on one line each, losing nothing', async () => {
    const run = await realRun();
    const text = summaryJson(run);
    assert.deepEqual(JSON.parse(text), run);
    assert.match(text, /"requests": \[\d+(,\d+)+\]/);
    assert.match(text, /"p95": \[(-?[\d.]+|null)(,(-?[\d.]+|null))+\]/);
  });

  it('writes the overview, summary, impact, timeline and evidence into report.md', async () => {
    const md = renderMarkdown(await realRun());
    assert.match(md, /\| scenario \| passed \| failed \| inconclusive \| skipped \| error \| breached SLOs/);
    assert.match(md, /\| report-drill \| ✅ \|/);
    for (const part of ['**Summary.**', '**Impact**', '**Detection**', '**Timeline**', '**Evidence**'])
      assert.ok(md.includes(part), part);
    assert.match(md, /\| \+[\d.]+m?s \| action \| force-refresh \|/);
    assert.match(md, /peak concurrent JWKS fetches \(in flight at the provider\): \d+/);
  });
});

describe('scenarios that never played', () => {
  it('are in the overview with their reason, and get no charts', async () => {
    const run = await realRun();
    const played = firstScenario(run);
    const never = (name: string, extra: Partial<ScenarioResult>): ScenarioResult => {
      const { chart: _chart, spanLatency: _spans, ...rest } = structuredClone(played);
      return { ...rest, name, series: [], windows: [], timeline: [], slos: [], preconditions: [], ...extra };
    };
    run.scenarios.push(
      never('too-long', { status: 'skipped', skipReason: 'would play 10m20s, over the budget' }),
      never('no-sut', { status: 'error', error: 'the SUT never became ready' }),
    );
    const html = await renderHtml(run);
    assert.equal(html.match(/class="charts"/g)?.length, 1);
    assert.match(html, /skipped: would play 10m20s, over the budget/);
    assert.match(html, /harness failure: the SUT never became ready/);
    const md = renderMarkdown(run);
    assert.ok(md.includes('| too-long |  |  |  | ⏭️ |  | skipped: would play 10m20s'), md);
    assert.ok(md.includes('| no-sut |  |  |  |  | 💥 | harness failure: the SUT never became ready |'), md);
  });
});

let runCopy: RunResult | undefined;
function runShape(): RunResult {
  assert.ok(runCopy !== undefined, 'the fixture is loaded');
  return runCopy;
}

describe('comparing two runs', () => {
  before(async () => {
    runCopy = await realRun();
  });

  it('reports nothing when nothing changed beyond noise', () => {
    const now = structuredClone(runShape());
    const s = firstScenario(now);
    s.load.corrected.p95 = (s.load.corrected.p95 ?? 0) * 1.05;
    const c = compareRuns(runShape(), now);
    assert.deepEqual([c.verdicts, c.slos, c.figures], [[], [], []]);
  });

  it('names the changed verdicts, the changed SLO verdicts and the figures that moved', () => {
    const now = structuredClone(runShape());
    const s = firstScenario(now);
    s.status = 'failed';
    const slo = s.slos[0];
    assert.ok(slo !== undefined, 'the scenario has an SLO');
    slo.status = 'fail';
    s.idp.peakConcurrentJwksFetches += 5;
    const c = compareRuns(runShape(), now);
    assert.deepEqual(c.verdicts, [{ scenario: 'report-drill', from: 'passed', to: 'failed' }]);
    assert.deepEqual(
      c.slos.map((x) => [x.slo, x.from, x.to]),
      [[slo.id, 'pass', 'fail']],
    );
    assert.deepEqual(
      c.figures.map((f) => [f.figure, f.worse]),
      [['peak concurrent JWKS fetches', true]],
    );
  });
});

describe('keystorm report (the real CLI)', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keystorm-report-cli-'));
    await writeFile(join(dir, 'summary.json'), await readFile(FIXTURE));
    const old = await realRun();
    firstScenario(old).status = 'failed';
    await writeFile(join(dir, 'old.json'), JSON.stringify(old));
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ tool: 'keystorm', scenarios: [{ name: 'x' }] }));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('re-renders report.html and report.md with the comparison, and prints the changes', async () => {
    const r = await startCli(['report', dir, '--compare', join(dir, 'old.json')], { timeoutMs: 60_000 }).done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /verdict report-drill: failed → passed/);
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    assert.match(html, /Compared with the previous run/);
    assert.match(html, /<td class="cell hit passed">/);
    assert.ok(!/<script src=|<link /.test(html), 'self-contained');
    assert.match(await readFile(join(dir, 'report.md'), 'utf8'), /verdict report-drill: failed → passed/);
  });

  it('exits 2 naming every problem of an input that is not a run result', async () => {
    const r = await startCli(['report', join(dir, 'bad.json')], { timeoutMs: 60_000 }).done;
    assert.equal(r.code, 2);
    assert.match(r.stderr, /scenarios\[0\]\.status: missing/);
    assert.match(r.stderr, /scenarios\[0\]\.series: missing or not an array/);
    const missing = await startCli(['report', join(dir, 'nowhere')], { timeoutMs: 60_000 }).done;
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no such file or directory/);
  });
});
