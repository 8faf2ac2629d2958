/**
 * Abort-on-fail through the scenario runner, on a `during:<phase>` window: the live monitor gets
 * the phases as they open, so an SLO judged on the second phase trips while it plays and the
 * run stops early, naming the SLO — instead of playing the whole drill to a late verdict.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunResult } from '../../src/result/types.ts';
import { runCli } from './cli.ts';

// Requests of the second phase expect a 418 the gateway never sends: every one is unexpected.
const SCENARIO = `
export default {
  name: 'abort-in-phase',
  hypothesis: 'A breach inside a phase stops the run while it plays.',
  load: {
    phases: [
      { name: 'calm', rate: 20, duration: '3s' },
      { name: 'broken', rate: 20, duration: '20s', mix: [{ kind: 'teapot', share: 1, expect: [418] }] },
    ],
  },
  slos: [
    { metric: 'unexpected_rate', threshold: 'rate<0.5', window: 'during:broken', abortOnFail: true, delayAbortEval: '1s' },
  ],
};
`;

describe('abort-on-fail on a phase window', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keystorm-abort-'));
    await writeFile(join(dir, 'abort.scenario.mjs'), SCENARIO);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('stops the run inside the phase and fails the SLO', { timeout: 120_000 }, async () => {
    const out = join(dir, 'out');
    const r = await runCli(
      ['run', join(dir, 'abort.scenario.mjs'), '--time-scale', '1', '--out', out, '--reporter', 'json'],
      { timeoutMs: 110_000 },
    );
    const run = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunResult;
    const s = run.scenarios[0];
    assert.equal(r.code, 1, r.stderr.slice(-2000));
    assert.equal(s?.status, 'failed');
    const trip = s?.timeline.find((e) => e.what.startsWith('aborted:'));
    assert.ok(trip !== undefined, JSON.stringify(s?.timeline));
    // Tripped within a few seconds of the phase opening (3 s), long before its planned end (23 s).
    assert.ok(trip.atMs > 3000 && trip.atMs < 10_000, `tripped at ${trip.atMs} ms`);
    const broken = s?.windows.find((w) => w.name === 'broken');
    assert.ok((broken?.toMs ?? Infinity) < 12_000, `the phase ran to ${String(broken?.toMs)} ms`);
  });
});
