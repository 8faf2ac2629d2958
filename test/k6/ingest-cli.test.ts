/**
 * `keystorm run --driver …` through the real CLI, as users start it. No k6 binary exists on
 * these machines, so `--driver k6` is tested where it must refuse (exit 2, with how to install
 * k6), and the k6 side of `--driver k6-output DIR` is played by the fixture generator writing
 * two runners' outputs in k6's JSON format while keystorm really runs mock-idp, the fault proxy
 * and the example gateway, as the documented procedure says: start keystorm, wait for it to
 * announce the timeline, start the runners, let them fill DIR.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunResult } from '../../src/result/types.ts';
import { runCli, startCli } from '../e2e/cli.ts';
import { evenRequests, K6OutputWriter } from '../fixtures/k6/k6-output.ts';

/** PATH with node and nothing else: certainly no k6. */
const NO_K6 = { PATH: dirname(process.execPath), K6_BIN: '' };

describe('keystorm run --driver', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keystorm-k6-cli-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('exits 2 with how to install k6 when --driver k6 finds no k6 binary', async () => {
    const r = await runCli(['run', 'baseline', '--driver', 'k6'], { timeoutMs: 60_000, env: NO_K6 });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--driver k6: no k6 binary on PATH/);
    assert.match(r.stderr, /install k6[\s\S]*K6_BIN/);
  });

  it('exits 2 naming a bad driver value, a missing directory or a K6_BIN that is not a program', async () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['--driver', 'locust'], {}, /--driver locust: unknown driver/],
      [['--driver', 'k6-output', join(dir, 'nowhere')], {}, /--driver k6-output .*nowhere: not a directory/],
      [['--driver', 'k6'], { ...NO_K6, K6_BIN: join(dir, 'k6') }, /K6_BIN=.*k6 is not an executable file/],
    ];
    for (const [args, env, message] of cases) {
      const r = await runCli(['run', 'baseline', ...args], { timeoutMs: 60_000, env });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });

  it(
    'judges two runners’ outputs once, on their sum, against a real gateway (--driver k6-output DIR)',
    { timeout: 180_000 },
    async () => {
      const outputs = join(dir, 'runners');
      await mkdir(outputs);
      const scenarioFile = join(dir, 'k6-aggregate.json');
      await writeFile(
        scenarioFile,
        JSON.stringify({
          name: 'k6-aggregate',
          hypothesis: 'No expired token gets through, and the load stays within its request budget.',
          load: { phases: [{ name: 'steady', rate: 25, duration: '4s' }] },
          slos: [
            { name: 'no-leaks', metric: 'security_failures', threshold: 'count<3' },
            { name: 'request-budget', metric: 'requests', threshold: 'count<=150' },
            { name: 'no-5xx', metric: 'status_5xx_rate', threshold: 'rate==0' },
          ],
        }),
      );
      const report = join(dir, 'report');
      const cli = startCli(
        ['run', scenarioFile, '--driver', 'k6-output', outputs, '--out', report, '--reporter', 'json'],
        { timeoutMs: 170_000 },
      );
      let printed = '';
      cli.child.stderr?.on('data', (c: Buffer) => void (printed += c.toString()));
      await cli.waitFor(/timeline started at (\S+);/, 120_000);
      // The runners start once keystorm announces its timeline; each writes its own output, within
      // the scheduled load (4 s at the config's time scale of 0.5: 2 s).
      const announced = /timeline started at (\S+);/.exec(printed)?.[1] ?? '';
      const origin = Date.parse(announced);
      assert.ok(Number.isFinite(origin), announced);
      for (const [i, offset] of [200, 500].entries()) {
        const w = new K6OutputWriter(join(outputs, `runner-${i + 1}.json`), {
          scenario: 'k6-aggregate',
          thresholdStyle: i === 0 ? 'string' : 'object',
          metadata: i === 1,
        });
        const requests = [
          ...evenRequests(origin + offset, 1_200, 98, { kind: 'valid', phase: 'steady', status: 200 }),
          ...evenRequests(origin + offset + 5, 1_200, 2, {
            kind: 'expired',
            token: 'expired',
            phase: 'steady',
            status: 200,
          }),
        ].sort((a, b) => a.endMs - b.endMs);
        for (const r of requests) await w.request(r);
        await w.close();
      }
      const r = await cli.done;
      const run = JSON.parse(await readFile(join(report, 'summary.json'), 'utf8')) as RunResult;
      const scenario = run.scenarios[0];
      assert.ok(scenario !== undefined, r.stderr);
      const verdicts = Object.fromEntries(
        scenario.slos.map((v) => [`${v.metric} ${v.expression}`, v.status]),
      );
      assert.deepEqual(
        verdicts,
        {
          'security_failures count<3': 'fail',
          'requests count<=150': 'fail',
          'status_5xx_rate rate==0': 'pass',
        },
        r.stderr,
      );
      assert.equal(r.code, 1, r.stderr.slice(-2000));
      assert.equal(scenario.status, 'failed');
      assert.equal(scenario.load.requests, 200);
      assert.equal(scenario.load.securityFailures, 4);
    },
  );
  it(
    'stops waiting for runners on Ctrl-C: exit 130, the report marked interrupted',
    { timeout: 120_000 },
    async () => {
      const empty = join(dir, 'no-runners');
      await mkdir(empty);
      const report = join(dir, 'interrupted');
      const cli = startCli(
        ['run', 'baseline', '--driver', 'k6-output', empty, '--out', report, '--reporter', 'json'],
        {
          timeoutMs: 110_000,
        },
      );
      await cli.waitFor(/timeline started at/, 100_000);
      cli.child.kill('SIGINT');
      const r = await cli.done;
      assert.equal(r.code, 130, r.stderr.slice(-2000));
      const run = JSON.parse(await readFile(join(report, 'summary.json'), 'utf8')) as RunResult;
      assert.equal(run.status, 'interrupted');
      assert.equal(run.scenarios[0]?.status, 'interrupted');
    },
  );
});
