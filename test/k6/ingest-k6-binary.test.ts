/**
 * `--driver k6` with a k6 binary, through the real CLI. No k6 can be installed on these machines,
 * so K6_BIN points at a stand-in (test/fixtures/k6/stand-in-k6.ts) that takes keystorm's k6
 * command line and writes its output in k6's JSON format. The script comes from the real scenario
 * exporter (src/k6/export/).
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { RunResult } from '../../src/result/types.ts';
import { ROOT, runCli, startCli } from '../e2e/cli.ts';

const STAND_IN = fileURLToPath(new URL('../fixtures/k6/stand-in-k6.ts', import.meta.url));
describe('keystorm run --driver k6 (stand-in k6 binary)', () => {
  let dir: string;
  let k6: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keystorm-k6-bin-'));
    k6 = join(dir, 'k6');
    await writeFile(k6, `#!/bin/sh\nexec "${process.execPath}" --import tsx "${STAND_IN}" "$@"\n`);
    await chmod(k6, 0o755);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it(
    'runs k6 with the timeline and judges what it wrote; k6’s exit 99 is noted, not the verdict',
    { timeout: 180_000 },
    async () => {
      const out = join(dir, 'report');
      const r = await runCli(['run', 'baseline', '--driver', 'k6', '--out', out, '--reporter', 'json'], {
        timeoutMs: 170_000,
        env: {
          K6_BIN: k6,
          STAND_IN_K6_REQUESTS: '60',
          STAND_IN_K6_EXIT: '99',
          PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
        },
      });
      const run = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunResult;
      assert.equal(run.scenarios[0]?.load.requests, 60, r.stderr.slice(-2000));
      assert.match(r.stderr, /k6 exited 99/);
      assert.ok(existsSync(join(out, 'k6', 'baseline.ndjson')));
      assert.ok(existsSync(join(out, 'k6', 'baseline.ts')), 'the exported script k6 ran');
      // The script is pointed at this run's SUT and mock-idp, whose ports are not the config's.
      const args = (await readFile(join(out, 'k6', 'baseline.ndjson.args'), 'utf8')).split('\n');
      for (const name of ['KEYSTORM_TARGET_URL', 'KEYSTORM_PROVIDER_URL', 'KEYSTORM_IDP_ADMIN_URL'])
        assert.ok(
          args.some((a) => new RegExp(`^${name}=http://127\\.0\\.0\\.1:\\d+`).test(a)),
          `${name} in ${args.join(' ')}`,
        );
    },
  );

  it('stops k6 by its PID on Ctrl-C', { timeout: 180_000 }, async () => {
    const out = join(dir, 'interrupted');
    const cli = startCli(['run', 'baseline', '--driver', 'k6', '--out', out, '--reporter', 'json'], {
      cwd: ROOT,
      timeoutMs: 170_000,
      env: { K6_BIN: k6, STAND_IN_K6_HANG: '1' },
    });
    const pidFile = join(out, 'k6', 'baseline.ndjson.pid');
    for (let i = 0; i < 600 && !existsSync(pidFile); i++) await new Promise((res) => setTimeout(res, 100));
    const pid = Number(await readFile(pidFile, 'utf8'));
    cli.child.kill('SIGINT');
    const r = await cli.done;
    assert.equal(r.code, 130, r.stderr.slice(-2000));
    assert.throws(() => process.kill(pid, 0), 'the k6 process is gone');
  });
});
