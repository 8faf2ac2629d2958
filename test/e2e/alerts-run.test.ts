/**
 * Alert verification through `keystorm run`: a stampede drill against the naive example gateway
 * (a cold cache warmed first, then bursts of new-kid tokens behind a slow JWKS endpoint) with the
 * scenario expecting the shipped `JWKSStampedeRisk` alert, and the incident's 5xx-only rule file
 * given with `--alerts`. The stampede alert fires with a time to detect; the 5xx-only rule is
 * reported, by name, as silent through the 401 wave — the seed's detection gap.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunResult } from '../../src/result/types.ts';
import { ROOT, runCli } from './cli.ts';

const SCENARIO = `
export default {
  name: 'stampede-alerts',
  hypothesis: 'A JWKS stampede is detected by the stampede alert within seconds.',
  load: {
    connections: 80,
    phases: [
      { name: 'warm', rate: 20, duration: '5s' },
      { name: 'storm', rate: 40, duration: '16s', mix: [{ kind: 'new-kid', share: 1, token: 'unknown-kid', expect: [401] }] },
    ],
  },
  timeline: [
    { from: '5s', fault: { name: 'jwks-slow', kind: 'http-latency', target: { endpoint: 'jwks' }, attributes: { ms: '1200ms' } } },
  ],
  expectAlerts: { JWKSStampedeRisk: { within: '15s' } },
  slos: [{ metric: 'requests', threshold: 'count>0' }],
};
`;

describe('alert verification in a scenario run', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keystorm-alerts-run-'));
    await writeFile(join(dir, 'stampede.scenario.mjs'), SCENARIO);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('detects the stampede and shows the 5xx-only rule staying silent', { timeout: 200_000 }, async () => {
    const out = join(dir, 'out');
    const r = await runCli(
      [
        'run',
        join(dir, 'stampede.scenario.mjs'),
        '--sut-env',
        'KEY_CACHE=naive',
        '--time-scale',
        '1',
        '--alerts',
        join(ROOT, 'alerts/examples/http-5xx-ratio.rules.yml'),
        '--out',
        out,
        '--reporter',
        'json',
      ],
      { timeoutMs: 190_000 },
    );
    const run = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunResult;
    const alerts = run.scenarios[0]?.alerts ?? [];
    const stampede = alerts.find((a) => a.alert === 'JWKSStampedeRisk');
    assert.equal(stampede?.status, 'pass', `${JSON.stringify(alerts, null, 1)}\n${r.stderr.slice(-2000)}`);
    assert.ok((stampede?.timeToDetectMs ?? -1) >= 0, JSON.stringify(stampede));
    const fiveXx = alerts.filter((a) => a.files.some((f) => f.endsWith('http-5xx-ratio.rules.yml')));
    assert.ok(fiveXx.length > 0, JSON.stringify(alerts.map((a) => a.alert)));
    for (const a of fiveXx) assert.equal(a.fired, false, `${a.alert} fired`);
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    const kept = await readFile(join(out, 'alerts', 'stampede-alerts', 'series.json'), 'utf8');
    assert.ok(kept.length > 0);
  });
});
