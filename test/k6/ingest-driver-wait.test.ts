/**
 * The pieces of the k6 drivers that need no k6: lifting `--driver` out of the arguments, and
 * waiting until the runners' outputs in DIR stop changing (short quiet times here; the driver
 * uses 3 s). Runner outputs are plain files written by the test (no real k6 on these machines).
 */
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { takeDriverOption, waitForQuietOutputs } from '../../src/k6/driver/index.ts';
import { HarnessError } from '../../src/errors.ts';

describe('--driver option', () => {
  it('lifts the driver and its directory out of the arguments, scenarios and options left in place', () => {
    assert.deepEqual(takeDriverOption(['baseline', '--driver', 'k6-output', 'out/k6', '--seed', '3']), {
      argv: ['baseline', '--seed', '3'],
      choice: { name: 'k6-output', dir: 'out/k6' },
    });
    assert.deepEqual(takeDriverOption(['--driver=k6', 'jwks-*']), {
      argv: ['jwks-*'],
      choice: { name: 'k6' },
    });
    assert.deepEqual(takeDriverOption(['baseline']).choice, { name: 'builtin' });
    assert.deepEqual(takeDriverOption(['--', '--driver', 'x']).argv, ['--', '--driver', 'x']);
  });

  it('refuses a missing, unknown or repeated value as a usage error naming it', () => {
    const cases: [string[], RegExp][] = [
      [['--driver'], /needs a value/],
      [['--driver', '--seed', '1'], /needs a value/],
      [['--driver', 'gatling'], /--driver gatling: unknown driver/],
      [['--driver', 'k6-output', '--out', 'x'], /needs the directory/],
      [['--driver', 'k6', '--driver', 'builtin'], /more than once/],
    ];
    for (const [argv, message] of cases)
      assert.throws(
        () => takeDriverOption(argv),
        (e: unknown) => e instanceof HarnessError && e.exitCode === 2 && message.test(e.message),
        argv.join(' '),
      );
  });
});

describe('waiting for the runners’ outputs', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keystorm-k6-wait-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('waits while an output grows and returns every output once all are quiet', async () => {
    const growing = join(dir, 'runner-1.json');
    await writeFile(growing, '');
    await writeFile(join(dir, 'runner-2.ndjson'), '{}\n');
    await writeFile(join(dir, 'notes.txt'), 'not an output');
    let writes = 0;
    const writer = setInterval(() => void appendFile(growing, `{"n":${writes++}}\n`), 100);
    const stopWriting = setTimeout(() => clearInterval(writer), 1_000);
    try {
      const { files, notes } = await waitForQuietOutputs(
        dir,
        { quietMs: 600, maxWaitMs: 30_000 },
        new AbortController().signal,
      );
      assert.ok(writes >= 8, `returned after ${writes} writes: it must wait for the writer to stop`);
      assert.deepEqual(
        files.map((f) => f.slice(dir.length + 1)),
        ['runner-1.json', 'runner-2.ndjson'],
      );
      assert.deepEqual(notes, []);
    } finally {
      clearInterval(writer);
      clearTimeout(stopWriting);
    }
  });

  it('gives up on an empty directory after the longest wait, with a harness error', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'keystorm-k6-empty-'));
    try {
      await assert.rejects(
        waitForQuietOutputs(empty, { quietMs: 100, maxWaitMs: 300 }, new AbortController().signal),
        (e: unknown) => e instanceof HarnessError && e.exitCode === 3 && /no k6 output/.test(e.message),
      );
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('returns what is there at once when interrupted', async () => {
    const abort = new AbortController();
    abort.abort();
    const { files, notes } = await waitForQuietOutputs(
      dir,
      { quietMs: 60_000, maxWaitMs: 60_000 },
      abort.signal,
    );
    assert.equal(files.length, 2);
    assert.match(notes.join(''), /interrupted/);
  });
});
