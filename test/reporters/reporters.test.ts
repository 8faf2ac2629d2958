import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createConsoleReporter } from '../../src/reporters/console.ts';
import { createReporter, REPORTER_NAMES, ReporterFanout } from '../../src/reporters/index.ts';
import type { Reporter, RunInfo } from '../../src/reporters/types.ts';
import type { RunResult, ScenarioResult } from '../../src/result/types.ts';

function scenario(name: string, failing: boolean): ScenarioResult {
  return {
    name,
    hypothesis: `${name} keeps auth working`,
    covers: ['FM1', 'FM3'],
    status: failing ? 'failed' : 'passed',
    startedAt: '2026-11-21T10:00:00.000Z',
    durationMs: 12_000,
    preconditions: [],
    slos: [
      {
        id: 'a',
        metric: 'status_401_rate',
        expression: 'rate<0.001',
        window: 'during:slow-jwks',
        status: failing ? 'fail' : 'pass',
        observed: failing ? 0.25 : 0,
        samples: 400,
        strict: true,
        ...(failing ? { message: 'breached' } : {}),
      },
      {
        id: 'b',
        metric: 'jwks_peak_concurrency',
        expression: 'max<=1',
        window: 'run',
        status: 'pass',
        observed: 1,
        samples: 1,
        strict: true,
      },
      {
        id: 'c',
        metric: 'request_duration',
        expression: 'p(95)<500',
        window: 'run',
        status: 'warn',
        observed: 612.5,
        samples: 400,
        strict: false,
      },
    ],
    load: {
      requests: 400,
      ratePerSecond: 33.3,
      corrected: { p50: 3, p90: 8, p95: 12, p99: 40, max: 90, mean: 5 },
      uncorrected: { p50: 2, p90: 6, p95: 9, p99: 30, max: 80, mean: 4 },
      statuses: { '200': 300, '401': 100 },
      unexpected: failing ? 100 : 0,
      securityFailures: 0,
      droppedStarts: 0,
      lateStarts: 2,
      kinds: { fresh: { requests: 400, unexpected: 0, statuses: { '200': 400 } } },
    },
    idp: {
      jwksFetches: 7,
      peakConcurrentJwksFetches: failing ? 6 : 1,
      fetchesPerInstance: { 'replica-1': 7 },
      unknownKidFetches: 0,
      tokensIssued: 10,
      faultsInjected: 3,
    },
    logMatches: { 'Old JWKS re-cached': 2 },
    sutCounters: { jwt_key_cache_miss_total: 4 },
    windows: [{ name: 'slow-jwks', kind: 'fault', fromMs: 3000, toMs: 8000 }],
    timeline: [{ atMs: 3000, what: 'fault slow-jwks applied', ok: true }],
    series: Array.from({ length: 12 }, (_, t) => ({
      t,
      requests: 33,
      p50: 3,
      p95: 12,
      p99: 40,
      s2xx: 30,
      s401: 3,
      s403: 0,
      s4xx: 3,
      s5xx: 0,
      errors: 0,
      unexpected: 0,
      jwksFetches: t === 3 ? 6 : 0,
    })),
    definition: { name },
  };
}

const run: RunResult = {
  tool: 'keystorm',
  version: '0.1.0',
  status: 'failed',
  exitCode: 1,
  startedAt: '2026-11-21T10:00:00.000Z',
  durationMs: 24_000,
  seed: 7,
  timeScale: 1,
  sut: { description: 'examples/gateway <script>', replicas: 2, env: {} },
  scenarios: [scenario('baseline', false), scenario('cache-stampede', true)],
};

describe('file reporters', () => {
  let dir: string;
  let info: RunInfo;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keystorm-reporters-'));
    info = { scenarios: run.scenarios.map((s) => s.name), outDir: dir, seed: 7, timeScale: 1 };
    const fanout = new ReporterFanout(
      REPORTER_NAMES.filter((n) => n !== 'console').map((n) => createReporter(n)),
    );
    await fanout.onEnd(run, info);
    assert.deepEqual(fanout.failures, []);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes summary.json that round-trips the run result', async () => {
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')), run);
  });

  it('writes one JUnit failure per breached SLO and none for warn-only ones', async () => {
    const xml = await readFile(join(dir, 'junit.xml'), 'utf8');
    assert.equal((xml.match(/<failure/g) ?? []).length, 1);
    assert.match(xml, /status_401_rate rate&lt;0\.001 breached: observed 25\.000%/);
    assert.match(xml, /<testsuite name="cache-stampede"/);
    assert.equal((xml.match(/<testcase/g) ?? []).length, 6);
  });

  it('writes a markdown report naming the failed SLO with its observed value', async () => {
    const md = await readFile(join(dir, 'report.md'), 'utf8');
    assert.match(md, /^# keystorm: FAILED/);
    assert.match(md, /\| ❌ \| `status_401_rate rate<0\.001` \| during:slow-jwks \| 25\.000% \| 400 \|/);
    assert.match(md, /\(warn-only\)/);
    assert.match(md, /SUT counters \(increase\): jwt_key_cache_miss_total \+4/);
  });

  it('writes a self-contained HTML report with inlined charts and escaped text', async () => {
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    assert.match(html, /uPlot/);
    assert.match(html, /const DATA = \[\{"t":\[/);
    assert.ok(!html.includes('examples/gateway <script>'), 'SUT description must be escaped');
    assert.ok(!/<script src=/.test(html), 'no external scripts');
  });

  it('writes Prometheus text with a verdict per SLO', async () => {
    const prom = await readFile(join(dir, 'metrics.prom'), 'utf8');
    assert.match(prom, /keystorm_run_success 0/);
    assert.match(
      prom,
      /keystorm_slo_met\{scenario="cache-stampede",slo="status_401_rate rate<0.001",window="during:slow-jwks"\} 0/,
    );
    assert.match(prom, /keystorm_jwks_peak_concurrency\{scenario="cache-stampede"\} 6/);
  });
});

describe('reporter fan-out', () => {
  it('keeps going when one reporter throws, and disables only that one', async () => {
    const calls: string[] = [];
    const broken: Reporter = { name: 'broken', onEnd: () => Promise.reject(new Error('disk full')) };
    const fine: Reporter = { name: 'fine', onEnd: () => void calls.push('fine') };
    const fanout = new ReporterFanout([broken, fine]);
    const dir = await mkdtemp(join(tmpdir(), 'keystorm-fanout-'));
    await fanout.onEnd(run, { scenarios: [], outDir: dir, seed: 1, timeScale: 1 });
    await fanout.onEnd(run, { scenarios: [], outDir: dir, seed: 1, timeScale: 1 });
    assert.deepEqual(calls, ['fine', 'fine']);
    assert.deepEqual(fanout.failures, [{ reporter: 'broken', hook: 'onEnd', error: 'disk full' }]);
    await rm(dir, { recursive: true, force: true });
  });
});

describe('console reporter', () => {
  it('prints plain progress lines without a TTY and a verdict table naming failed SLOs', () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const reporter = createConsoleReporter({ stream, tty: false });
    const info = { scenarios: ['baseline'], outDir: '/tmp/x', seed: 1, timeScale: 1 };
    void reporter.onBegin?.(info);
    for (let t = 0; t <= 10_000; t += 1000) {
      reporter.onProgress?.({
        scenario: 'baseline',
        index: 1,
        total: 1,
        phase: 'steady',
        elapsedMs: t,
        requests: t / 10,
        errorRate: 0,
        p95: 4,
        activeFaults: t > 5000 ? ['slow-jwks'] : [],
      });
    }
    void reporter.onEnd?.(run, info);
    assert.equal((text.match(/\[1\/1\] baseline · steady/g) ?? []).length, 3, text);
    assert.match(text, /faults: slow-jwks/);
    assert.match(text, /cache-stampede\s+fail\s+status_401_rate rate<0\.001 @ during:slow-jwks\s+25\.000%/);
    assert.match(text, /FAILED: 3 met, 1 breached, 2 warned, 0 not applicable across 2 scenario\(s\)/);
    assert.ok(!text.includes('\x1b['), 'no escape codes without a TTY');
  });
});
