/**
 * `slos.override` and `slos.extra` through the real CLI: an override turns the naive
 * stampede's breaches into warnings (exit 0), an extra SLO is judged and reported, and an
 * override naming nothing is a config error (exit 2) before anything starts.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunResult } from '../../src/result/types.ts';
import { ROOT, runCli } from './cli.ts';
import { sloName } from '../../src/config/slo-overrides.ts';
import stampede from '../../scenarios/cache-stampede.ts';

/** Every SLO of the stampede, by the name overrides use. */
const STAMPEDE_SLOS = stampede.slos.map((s) => sloName(s) ?? '');

/** A config in its own directory: the repository's, with a `slos` section. */
async function writeConfig(dir: string, slos: unknown): Promise<string> {
  const base = JSON.stringify(join(ROOT, 'keystorm.config.ts'));
  await writeFile(
    join(dir, 'keystorm.config.mts'),
    `import base from ${base};
export default { ...base, sut: { ...base.sut, cwd: ${JSON.stringify(ROOT)} }, scenarios: ['cache-stampede'], slos: ${JSON.stringify(slos)} };
`,
  );
  return dir;
}

describe('slos.override and slos.extra through keystorm run', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keystorm-slo-config-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it(
    'turns the naive stampede breach into a warning and judges an extra SLO',
    { timeout: 180_000 },
    async () => {
      const cwd = await writeConfig(dir, {
        extra: [{ name: 'served traffic', metric: 'requests', threshold: 'count>10' }],
        override: { 'cache-stampede': Object.fromEntries(STAMPEDE_SLOS.map((n) => [n, { strict: false }])) },
      });
      const out = join(dir, 'out');
      const r = await runCli(
        ['run', '--sut-env', 'KEY_CACHE=naive', '--time-scale', '0.5', '--out', out, '--reporter', 'json'],
        { cwd, timeoutMs: 180_000 },
      );
      const run = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunResult;
      const slos = run.scenarios[0]?.slos ?? [];
      // The naive cache still breaches the stampede's concurrency SLOs: now as warnings.
      const warned = slos.filter((v) => v.status === 'warn').map((v) => v.metric);
      assert.ok(warned.includes('jwks_peak_concurrency'), JSON.stringify(slos, null, 1));
      assert.deepEqual(
        slos.filter((v) => v.status === 'fail'),
        [],
      );
      const extra = slos.find((v) => v.metric === 'requests');
      assert.equal(extra?.status, 'pass', JSON.stringify(slos));
      const premises = JSON.stringify(run.scenarios[0]?.preconditions);
      assert.equal(r.code, 0, `${premises}\n${r.stderr.slice(-3000)}`);
      assert.equal(run.status, 'passed');
    },
  );

  it('exits 2 naming an override of an unknown scenario or SLO, before starting anything', async () => {
    const cwd = await mkdtemp(join(dir, 'bad-'));
    await writeConfig(cwd, {
      override: {
        'cache-stampde': { [STAMPEDE_SLOS[0] ?? '']: false },
        'cache-stampede': { 'jwks_peak_concurrency max<=9 @ run': { strict: false } },
      },
    });
    const r = await runCli(['run', '--out', join(cwd, 'out')], { cwd, timeoutMs: 60_000 });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /slos\.override\.cache-stampde: no scenario named 'cache-stampde'/);
    assert.match(
      r.stderr,
      /slos\.override\.cache-stampede\["jwks_peak_concurrency max<=9 @ run"\]: no SLO named/,
    );
  });
});
