import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { previousEntries, targetsOf } from '../../bench/run-all.ts';

describe('npm run bench summary', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keystorm-bench-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the entries of benches an --only run did not touch, dated by their own run', () => {
    const file = join(dir, 'summary.json');
    writeFileSync(
      file,
      JSON.stringify({
        date: '2026-12-01T10:00:00.000Z',
        benches: {
          'load-memory': { exitCode: 0, targets: { 'peak RSS': true } },
          'token-mint': { date: '2026-11-30T09:00:00.000Z', exitCode: 0, targets: {} },
        },
      }),
    );
    assert.deepEqual(previousEntries(file), {
      'load-memory': { date: '2026-12-01T10:00:00.000Z', exitCode: 0, targets: { 'peak RSS': true } },
      'token-mint': { date: '2026-11-30T09:00:00.000Z', exitCode: 0, targets: {} },
    });
  });

  it('starts over from an unreadable or missing summary', () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ not json');
    assert.deepEqual(previousEntries(broken), {});
    assert.deepEqual(previousEntries(join(dir, 'missing.json')), {});
  });

  it('reads targets from each shape the benches write', () => {
    assert.deepEqual(
      targetsOf({
        targets: [
          { name: 'a', met: true },
          { name: 'b', met: false },
        ],
      }),
      {
        a: true,
        b: false,
      },
    );
    assert.deepEqual(targetsOf({ targets: { met: { c: true } } }), { c: true });
    assert.deepEqual(targetsOf({ verdict: { d: false } }), { d: false });
    assert.deepEqual(targetsOf({ met: true }), { met: true });
  });
});
