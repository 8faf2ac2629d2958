import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRandom } from '../../src/util/random.ts';

describe('createRandom', () => {
  it('reproduces the same sequence for the same seed', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const seqA = Array.from({ length: 100 }, () => a.next());
    const seqB = Array.from({ length: 100 }, () => b.next());
    assert.deepEqual(seqA, seqB);
    assert.notDeepEqual(
      seqA,
      Array.from({ length: 100 }, () => createRandom(43).next()),
    );
  });

  it('draws chance(p) with the requested frequency', () => {
    const r = createRandom(7);
    let hits = 0;
    for (let i = 0; i < 20_000; i++) if (r.chance(0.25)) hits++;
    assert.ok(Math.abs(hits / 20_000 - 0.25) < 0.015, `observed ${hits / 20_000}`);
    assert.equal(r.chance(0), false);
    assert.equal(r.chance(1), true);
  });

  it('keeps int() within its inclusive bounds', () => {
    const r = createRandom(1);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(r.int(3, 5));
    assert.deepEqual([...seen].sort(), [3, 4, 5]);
  });
});
