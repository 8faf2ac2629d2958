/**
 * The proxy's attribute bounds hold at every way in: `keystorm fault` (the real CLI) and
 * scenario validation refuse the same absurd durations and sizes, naming the attribute.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkScenario } from '../../src/scenario/validate.ts';
import { runCli } from '../e2e/cli.ts';

describe('toxic bounds outside the proxy API', () => {
  it('keystorm fault exits 2 naming each out-of-range attribute, before touching anything', async () => {
    const r = await runCli(
      [
        'fault',
        '--upstream',
        '127.0.0.1:9',
        '--fault',
        'kind=latency,latency=700h',
        '--fault',
        'kind=truncate,bytes=99999999999',
        '--fault',
        'kind=reset,timeout=100000000000000000000',
        '--duration',
        '1s',
      ],
      { timeoutMs: 30_000 },
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--fault\[0\]\.attributes\.latency: must be at most 1h/);
    assert.match(r.stderr, /--fault\[1\]\.attributes\.bytes: must be at most 1073741824 bytes/);
    assert.match(r.stderr, /--fault\[2\]\.attributes\.timeout: must be at most 1h/);
  });

  it('scenario validation refuses them at their timeline path', () => {
    const problems = checkScenario(
      {
        name: 'absurd',
        hypothesis: 'h',
        load: { phases: [{ name: 'p', rate: 1, duration: '1s' }] },
        timeline: [
          { from: 0, fault: { name: 'slow', kind: 'latency', attributes: { latency: 1e300 } } },
          { from: 0, fault: { name: 'trickle', kind: 'slow-trickle', attributes: { delay: '700h' } } },
          { from: 0, fault: { name: 'thin', kind: 'bandwidth', attributes: { rate: 1e12 } } },
        ],
        slos: [{ metric: 'requests', threshold: 'count>0' }],
      },
      's',
      { issuers: ['gitlab'], routes: ['default'] },
    );
    assert.deepEqual(
      problems.map((p) => p.path),
      [
        's.timeline[0].fault.attributes.latency',
        's.timeline[1].fault.attributes.delay',
        's.timeline[2].fault.attributes.rate',
      ],
      JSON.stringify(problems),
    );
    for (const p of problems) assert.match(p.message, /must be at most/);
  });
});
