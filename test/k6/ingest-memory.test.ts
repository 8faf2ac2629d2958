/**
 * Ingestion is streamed: a k6 output much larger than the heap is read in a child process whose
 * heap is capped well below the file's size, so reading the file whole (or keeping its lines)
 * would crash it. The peak heap it reports is checked loosely (no timing is asserted). The file
 * is written by the fixture generator in k6's JSON format (no real k6 exists on these machines).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { K6OutputWriter } from '../fixtures/k6/k6-output.ts';

const CHILD = fileURLToPath(new URL('./ingest-memory-child.ts', import.meta.url));
const HEAP_LIMIT_MB = 32;
const REQUESTS = 50_000;
const T0 = Date.UTC(2026, 11, 3, 16, 0, 0);

describe('k6 output larger than the heap', () => {
  let dir: string;
  let file: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keystorm-k6-big-'));
    file = join(dir, 'big.json');
    const w = new K6OutputWriter(file, { scenario: 'baseline', thresholdStyle: 'object', metadata: true });
    for (let i = 0; i < REQUESTS; i++)
      await w.request({
        endMs: T0 + i * 5,
        durationMs: 3 + (i % 40),
        kind: 'valid',
        phase: 'steady',
        status: 200,
      });
    await w.raw('not json at all\n');
    await w.close();
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it(`reads it line by line with the heap capped at ${HEAP_LIMIT_MB} MB`, async () => {
    const size = (await stat(file)).size;
    assert.ok(size > 2.5 * HEAP_LIMIT_MB * 2 ** 20, `the file (${size} bytes) must dwarf the heap limit`);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [`--max-old-space-size=${HEAP_LIMIT_MB}`, '--import', 'tsx', CHILD, file],
      { cwd: fileURLToPath(new URL('../../', import.meta.url)), maxBuffer: 1 << 20 },
    );
    const seen = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
      requests: number;
      lines: number;
      malformed: number;
      peakHeapBytes: number;
    };
    assert.equal(seen.requests, REQUESTS);
    assert.equal(
      seen.lines,
      REQUESTS * 5 + 5 + 1,
      'every point line, one Metric line per metric, the bad line',
    );
    assert.equal(seen.malformed, 1);
    console.log(`k6 output of ${size} bytes ingested with a peak heap of ${seen.peakHeapBytes} bytes`);
    // Loose: the heap stays a small fraction of the file (it would exceed the file if kept whole).
    assert.ok(seen.peakHeapBytes < size / 3, `peak heap ${seen.peakHeapBytes} bytes for a ${size}-byte file`);
  });
});
