/**
 * Judged once on the aggregate: two runners' outputs, each within an SLO on its own (as
 * k6-operator judges each runner), whose sum breaks it. The outputs go through the k6 drivers'
 * real path (ingestion → request log + load recorder) and keystorm's real SLO evaluation. The
 * files are written by the fixture generator to k6's documented JSON format (no real k6 exists
 * on these machines).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ingestedLoadRun } from '../../src/k6/driver/ingested-run.ts';
import type { LoadResult } from '../../src/load/result.ts';
import { requestOnlySource } from '../scenario/request-only-source.ts';
import { RequestLog } from '../../src/scenario/request-log.ts';
import { evaluateSlos, resolveSlos } from '../../src/slo/index.ts';
import { evenRequests, K6OutputWriter } from '../fixtures/k6/k6-output.ts';

const ORIGIN = Date.UTC(2026, 11, 3, 16, 0, 0);
const SLOS = resolveSlos([
  { name: 'no-leaks', metric: 'security_failures', threshold: 'count<3' },
  { name: 'request-budget', metric: 'requests', threshold: 'count<=150' },
  { name: 'fast', metric: 'request_duration{kind:valid}', threshold: 'p(95)<100' },
]);

/** One runner: 100 requests over 10 s, two of them expired tokens the SUT let through (200). */
async function writeRunner(path: string, offsetMs: number): Promise<void> {
  const w = new K6OutputWriter(path, { scenario: 'baseline', thresholdStyle: 'object', metadata: true });
  const requests = [
    ...evenRequests(ORIGIN + offsetMs, 10_000, 96, { kind: 'valid', phase: 'steady', status: 200 }),
    ...evenRequests(ORIGIN + offsetMs + 3, 10_000, 2, {
      kind: 'expired',
      token: 'expired',
      phase: 'steady',
      status: 200,
    }),
    ...evenRequests(ORIGIN + offsetMs + 7, 10_000, 2, {
      kind: 'expired',
      token: 'expired',
      phase: 'steady',
      status: 401,
    }),
  ].sort((a, b) => a.endMs - b.endMs);
  for (const r of requests) await w.request(r);
  await w.dropped(ORIGIN + offsetMs + 4_000, 1, 'steady');
  await w.close();
}

/** The files through the ingested load run, judged by the SLO evaluator over the whole run. */
async function judge(files: string[]): Promise<{ verdicts: Record<string, string>; load: LoadResult }> {
  const requests = new RequestLog();
  const run = ingestedLoadRun({
    options: {
      target: 'http://127.0.0.1:8080/',
      phases: [{ type: 'constant-arrival', name: 'steady', rate: 20, duration: 12_000 }],
      onRequest: (sample) => requests.add(sample),
    },
    context: {
      scenario: 'baseline',
      epochOriginMs: ORIGIN,
      elapsedMs: () => 0,
      // Read only by a driver that starts a script itself; this one reads files already written.
      idp: { dataUrl: 'http://127.0.0.1:1', adminUrl: 'http://127.0.0.1:2', adminToken: 'unused-token' },
    },
    produce: () => Promise.resolve({ files, notes: [] }),
  });
  const load = await run.done;
  const source = requestOnlySource(requests, (from, to) => run.window(from, to).counts().dropped);
  const results = evaluateSlos(SLOS, source, [{ name: 'run', kind: 'run', fromMs: 0, toMs: 20_000 }]);
  return { verdicts: Object.fromEntries(results.map((r) => [r.name, r.status])), load };
}

describe('k6 outputs judged on the aggregate', () => {
  let dir: string;
  let runners: string[];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keystorm-k6-aggregate-'));
    runners = [join(dir, 'runner-1.json'), join(dir, 'runner-2.json')];
    await writeRunner(runners[0] ?? '', 0);
    await writeRunner(runners[1] ?? '', 1_500); // overlapping time ranges
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('passes each runner alone, as per-runner thresholds would', async () => {
    for (const file of runners) {
      const { verdicts } = await judge([file]);
      assert.deepEqual(verdicts, { 'no-leaks': 'pass', 'request-budget': 'pass', fast: 'pass' }, file);
    }
  });

  it('breaks the SLOs whose bound the two runners exceed together', async () => {
    const { verdicts, load } = await judge(runners);
    assert.deepEqual(verdicts, { 'no-leaks': 'fail', 'request-budget': 'fail', fast: 'pass' });
    const totals = load.summary.totals;
    assert.equal(totals.requests, 200);
    assert.equal(totals.securityFailures, 4);
    assert.equal(totals.status['401'], 4);
    assert.equal(totals.dropped, 2);
    assert.deepEqual(
      load.summary.phases.map((p) => [p.name, p.startMs, p.endMs, p.scheduled, p.dropped]),
      [['steady', 0, 12_000, 202, 2]],
    );
    // The per-second series covers the merged load (reports and time_to_recover read it).
    const perSecond = load.summary.series.reduce((n, p) => n + p.requests, 0);
    assert.equal(perSecond, 200);
    assert.ok(
      load.summary.series.some((p) => p.requests > 10),
      'overlapping seconds hold both runners',
    );
  });
});
