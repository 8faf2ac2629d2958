/**
 * The verdict matrix through the real CLI: the hardened example gateway meets every SLO of the
 * built-in suite; the naive one (the incident's key cache) breaches the stampede's JWKS
 * concurrency and 401 SLOs. Time scale 0.5: the suite and the gateway's timings both shrink.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunResult } from '../../src/result/types.ts';
import { runCli } from './cli.ts';

async function summary(out: string): Promise<RunResult> {
  return JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunResult;
}

function failures(run: RunResult): string[] {
  return run.scenarios.flatMap((s) =>
    s.slos
      .filter((v) => v.status === 'fail')
      .map((v) => `${s.name}: ${v.metric} ${v.expression} @ ${v.window} = ${String(v.observed)}`),
  );
}

describe('the verdict matrix of the example gateway', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keystorm-matrix-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('passes every built-in scenario with the hardened key cache', { timeout: 600_000 }, async () => {
    const out = join(dir, 'hardened');
    const r = await runCli(
      ['run', '--time-scale', '0.5', '--out', out, '--reporter', 'json', '--reporter', 'junit'],
      {
        timeoutMs: 600_000,
      },
    );
    const run = await summary(out);
    assert.deepEqual(failures(run), [], r.stderr.slice(-3000));
    assert.equal(r.code, 0, r.stderr.slice(-3000));
    assert.equal(run.status, 'passed');
    assert.ok(run.scenarios.length >= 16);
    for (const s of run.scenarios) {
      assert.equal(s.status, 'passed', s.name);
      assert.ok(s.load.requests > 0, `${s.name} sent no request`);
    }
    assert.match(await readFile(join(out, 'junit.xml'), 'utf8'), /<testsuites/);
  });

  it(
    'fails the stampede on JWKS concurrency and 401s with the naive key cache',
    { timeout: 180_000 },
    async () => {
      const out = join(dir, 'naive');
      const r = await runCli(
        [
          'run',
          'cache-stampede',
          '--sut-env',
          'KEY_CACHE=naive',
          '--time-scale',
          '0.5',
          '--out',
          out,
          '--reporter',
          'json',
        ],
        { timeoutMs: 180_000 },
      );
      assert.equal(r.code, 1, r.stderr.slice(-3000));
      const run = await summary(out);
      assert.equal(run.status, 'failed');
      const stampede = run.scenarios.find((s) => s.name === 'cache-stampede');
      assert.equal(stampede?.status, 'failed');
      const failed = new Set(stampede?.slos.filter((v) => v.status === 'fail').map((v) => v.metric));
      assert.ok(failed.has('jwks_peak_concurrency'), `breaches: ${[...failed].join(', ')}`);
      assert.ok(failed.has('status_401_rate'), `breaches: ${[...failed].join(', ')}`);
    },
  );
});
