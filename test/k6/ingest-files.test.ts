/**
 * Ingesting whole runner outputs: several files merged into one time-ordered stream, gzip,
 * scenario tags, metric declarations and malformed lines. The files are written by the fixture
 * generator (test/fixtures/k6/) to k6's documented JSON output format: no k6 binary exists on
 * these machines, so no output here comes from a real k6.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ingestK6Outputs, ingestWarnings, listK6Outputs } from '../../src/k6/ingest/index.ts';
import type { K6Request } from '../../src/k6/ingest/index.ts';
import { evenRequests, K6OutputWriter, pointLine } from '../fixtures/k6/k6-output.ts';
import type { FixtureRequest, RunnerOptions } from '../fixtures/k6/k6-output.ts';

const T0 = Date.UTC(2026, 11, 3, 16, 0, 0);

async function writeRunner(path: string, options: RunnerOptions, requests: FixtureRequest[]): Promise<void> {
  const w = new K6OutputWriter(path, options);
  await w.point('vus', requests[0]?.endMs ?? T0, 5, null);
  for (const r of requests) await w.request(r);
  await w.close();
}

async function ingestAll(files: string[], scenario = 'baseline') {
  const seen: K6Request[] = [];
  const report = await ingestK6Outputs(files, { scenario, onRequest: (r) => seen.push(r) });
  return { seen, report };
}

describe('k6 output files', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keystorm-k6-ingest-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('merges runners whose time ranges overlap into one stream in time order', async () => {
    const a = join(dir, 'runner-1.json');
    const b = join(dir, 'runner-2.ndjson.gz');
    await writeRunner(a, { scenario: 'baseline', thresholdStyle: 'string' }, [
      ...evenRequests(T0, 10_000, 100, { kind: 'valid', phase: 'steady', status: 200 }),
    ]);
    await writeRunner(
      b,
      { scenario: 'baseline', thresholdStyle: 'object', metadata: true, zone: '+01:00' },
      [
        ...evenRequests(T0 + 5_000, 10_000, 60, { kind: 'valid', phase: 'steady', status: 200 }),
        ...evenRequests(T0 + 5_001, 10_000, 40, {
          kind: 'expired',
          token: 'expired',
          phase: 'steady',
          status: 401,
        }),
      ].sort((x, y) => x.endMs - y.endMs),
    );
    const w = new K6OutputWriter(join(dir, 'runner-2.ndjson.gz.tmp'), {
      scenario: 'baseline',
      thresholdStyle: 'string',
    });
    await w.close();

    const { seen, report } = await ingestAll([a, b]);
    assert.equal(seen.length, 200);
    assert.equal(report.requests, 200);
    for (let i = 1; i < seen.length; i++)
      assert.ok((seen[i]?.endMs ?? 0) >= (seen[i - 1]?.endMs ?? 0), `request ${i} out of order`);
    // The overlap really interleaves the runners: both are present within [T0+5s, T0+10s).
    const overlap = seen.filter((r) => r.endMs >= T0 + 5_000 && r.endMs < T0 + 10_000);
    assert.ok(
      overlap.some((r) => r.kind === 'expired') && overlap.filter((r) => r.kind === 'valid').length > 50,
    );
    assert.equal(seen.filter((r) => r.kind === 'expired' && r.status === 401).length, 40);
    assert.deepEqual(report.metrics.http_req_duration?.thresholds, ['p(95)<500', 'avg<200']);
    assert.deepEqual(report.metrics.http_req_failed?.thresholds, ['rate<0.01']);
    assert.equal(report.metrics.http_reqs?.points, 200);
    assert.equal(report.metrics.vus?.type, 'gauge');
    assert.equal(report.malformed.count, 0);
    assert.equal(report.untagged, 0);
    assert.deepEqual(ingestWarnings(report), []);

    assert.deepEqual(
      (await listK6Outputs(dir)).map((f) => f.slice(dir.length + 1)),
      ['runner-1.json', 'runner-2.ndjson.gz'],
      'only *.json, *.ndjson and their .gz are outputs',
    );
  });

  it('leaves out points of other scenarios, takes untagged ones, and counts dropped iterations', async () => {
    const mine = join(dir, 'mine.json');
    const other = join(dir, 'other.json');
    const untagged = join(dir, 'untagged.json');
    await writeRunner(
      mine,
      { scenario: 'baseline', thresholdStyle: 'string' },
      evenRequests(T0, 1000, 10, { kind: 'valid', phase: 'p', status: 200 }),
    );
    await writeRunner(
      other,
      { scenario: 'jwks-outage', thresholdStyle: 'string' },
      evenRequests(T0, 1000, 7, { kind: 'valid', phase: 'p', status: 200 }),
    );
    const w = new K6OutputWriter(untagged, { scenario: null, thresholdStyle: 'object' });
    for (const r of evenRequests(T0, 1000, 3, { kind: 'valid', phase: 'p', status: 200 })) await w.request(r);
    await w.dropped(T0 + 500, 4, 'p');
    await w.close();

    const dropped: number[] = [];
    const report = await ingestK6Outputs([mine, other, untagged], {
      scenario: 'baseline',
      onRequest: () => undefined,
      onDropped: (_at, n) => dropped.push(n),
    });
    assert.equal(report.requests, 13);
    assert.ok(report.otherScenarios >= 7 * 5, `${report.otherScenarios}`);
    assert.equal(report.untagged, 4, 'the untagged runner’s 3 requests and its dropped iterations');
    assert.deepEqual(dropped, [4]);
    assert.equal(report.droppedIterations, 4);
    assert.match(
      ingestWarnings(report).join('\n'),
      /other scenarios left out[\s\S]*without a keystorm_scenario tag/,
    );
  });

  it('counts malformed lines with their line numbers and keeps reading', async () => {
    const file = join(dir, 'dirty.json');
    const good = (ms: number, status: number): string =>
      pointLine('http_req_duration', ms, 10, {
        kind: 'valid',
        status: String(status),
        keystorm_scenario: 'baseline',
      });
    const lines = [
      good(T0, 200), // 1
      '{"type":"Point","metric":"http_req_duration","data":{"time":"2026-12-03T16:00:01Z"', // 2: cut mid-line
      '', // 3: blank, not malformed
      'garbage', // 4
      `${good(T0 + 2, 200)}\r`, // 5: CRLF is fine
      'x'.repeat(1024 * 1024 + 10), // 6: overlong
      good(T0 + 3, 503), // 7
      '{"type":"Point","metric":"http_req_duration","data":{"time":"soon","value":1}}', // 8
      good(T0 + 4, 200), // 9: last line, no newline at the end
    ];
    await writeFile(file, lines.join('\n'));
    const { seen, report } = await ingestAll([file]);
    assert.deepEqual(
      seen.map((r) => r.status),
      [200, 200, 503, 200],
    );
    assert.equal(report.malformed.count, 4);
    assert.deepEqual(
      report.malformed.examples.map((e) => e.line),
      [2, 4, 6, 8],
    );
    assert.match(report.malformed.examples[2]?.reason ?? '', /longer than 1 MiB/);
    assert.deepEqual(report.files[0], { path: file, lines: 9, points: 4, malformed: 4 });
    assert.match(
      ingestWarnings(report)[0] ?? '',
      /4 malformed line\(s\) skipped, e\.g\. dirty\.json:2 \(not JSON\)/,
    );
  });

  it('reports a file it cannot read (not gzip after all) and still reads the others', async () => {
    const fake = join(dir, 'broken.json.gz');
    await writeFile(fake, 'this is not gzip\n');
    const fine = join(dir, 'fine.json');
    await writeRunner(
      fine,
      { scenario: 'baseline', thresholdStyle: 'string' },
      evenRequests(T0, 1000, 5, { kind: 'valid', phase: 'p', status: 200 }),
    );
    const { seen, report } = await ingestAll([fake, fine]);
    assert.equal(seen.length, 5);
    assert.equal(report.malformed.count, 1);
    assert.match(report.malformed.examples[0]?.reason ?? '', /unreadable/);
  });
});
