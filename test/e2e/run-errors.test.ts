import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pidsWithMarker, ROOT, runCli, startCli } from './cli.ts';

describe('keystorm run: bad input and interruption', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keystorm-e2e-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('exits 2 and lists every problem of a bad config by path', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(
      file,
      JSON.stringify({
        idp: { issuers: ['Not Valid'], alg: 'HS256' },
        sut: { command: 'node server.js', env: { X: '{{idp.nowhere}}' }, replicas: 0 },
        load: { connections: -1 },
        timeScale: 'fast',
        colour: 'blue',
      }),
    );
    const r = await runCli(['run', '--config', file], { cwd: dir, timeoutMs: 60_000 });
    assert.equal(r.code, 2, r.stderr);
    for (const path of [
      'idp.issuers[0]',
      'idp.alg',
      'sut.replicas',
      'load.connections',
      'timeScale',
      'colour',
    ]) {
      assert.match(
        r.stderr,
        new RegExp(`- ${path.replace(/[.[\]]/g, '\\$&')}`),
        `${path} not listed:\n${r.stderr}`,
      );
    }
  });

  it('exits 2 and lists every problem of a bad scenario file', async () => {
    const scenario = join(dir, 'broken-scenario.json');
    await writeFile(
      scenario,
      JSON.stringify({
        name: 'broken',
        hypothesis: 'nothing holds',
        load: { phases: [{ name: 'p', rate: 10 }] },
        timeline: [
          { at: 'later', action: { kind: 'force-refresh' } },
          { from: 0, fault: { name: 'f', kind: 'teleport' } },
        ],
        slos: [{ metric: 'request_duration', threshold: 'p(95)<<5' }],
      }),
    );
    const r = await runCli(['run', scenario, '--config', join(ROOT, 'keystorm.config.ts')], {
      cwd: dir,
      timeoutMs: 60_000,
    });
    assert.equal(r.code, 2, r.stderr);
    for (const fragment of [
      'load.phases[0].duration',
      'timeline[0].at',
      'timeline[1].fault.kind',
      'slos[0].threshold',
    ]) {
      assert.ok(r.stderr.includes(fragment), `${fragment} not listed:\n${r.stderr}`);
    }
  });

  it('exits 2 naming an unknown flag or scenario', async () => {
    const flag = await runCli(['run', '--no-such-flag'], { timeoutMs: 30_000 });
    assert.equal(flag.code, 2, flag.stderr);
    assert.match(flag.stderr, /no-such-flag/);
    const name = await runCli(['run', 'no-such-scenario', '--reporter', 'json', '--out', join(dir, 'x')], {
      timeoutMs: 30_000,
    });
    assert.equal(name.code, 2, name.stderr);
    assert.match(name.stderr, /no built-in scenario matches "no-such-scenario"/);
  });

  it('lists the built-in scenarios as JSON', async () => {
    const r = await runCli(['list', '--json'], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    const list = JSON.parse(r.stdout) as { name: string; selected: boolean; optIn: boolean }[];
    assert.ok(list.length >= 16);
    // `*` selects the default suite; the opt-in drills (promtool, Chromium) only when named.
    assert.ok(list.every((s) => s.selected !== s.optIn));
    assert.ok(list.some((s) => s.optIn));
  });

  it(
    'exits 130 on SIGINT mid-run with faults rolled back, the SUT stopped and a partial report',
    { timeout: 150_000 },
    async () => {
      const marker = `KEYSTORM_E2E_${randomUUID().replace(/-/g, '')}`;
      const out = join(dir, 'interrupted');
      const run = startCli(
        [
          'run',
          'jwks-outage-warm-cache',
          '--out',
          out,
          '--reporter',
          'json',
          '--reporter',
          'console',
          '--sut-env',
          `${marker}=1`,
        ],
        {
          timeoutMs: 120_000,
        },
      );
      // Wait until the fault is in force, then interrupt.
      await run.waitFor(/fault jwks-outage applied/, 90_000);
      assert.ok((await pidsWithMarker(marker)).length > 0, 'the SUT should be running');
      run.child.kill('SIGINT');
      const r = await run.done;
      assert.equal(r.code, 130, r.stderr);
      const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as {
        status: string;
        scenarios: { status: string; name: string }[];
      };
      assert.equal(summary.status, 'interrupted');
      assert.equal(summary.scenarios[0]?.status, 'interrupted');
      assert.deepEqual(await pidsWithMarker(marker), [], 'no SUT process may outlive the run');
      assert.doesNotMatch(r.stderr, /rollback incomplete/);
    },
  );
});
