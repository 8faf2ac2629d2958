import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArrivalSchedule } from '../../src/load/schedule.ts';

function allTimes(schedule: ArrivalSchedule): number[] {
  const times: number[] = [];
  for (let i = 0; i < 1_000_000; i++) {
    const t = schedule.timeOf(i);
    if (t === undefined) break;
    times.push(t);
  }
  return times;
}

describe('arrival schedule', () => {
  it('spaces a constant rate evenly without drift', () => {
    const times = allTimes(new ArrivalSchedule([{ fromRate: 3, toRate: 3, durationMs: 10_000 }]));
    assert.equal(times.length, 30);
    assert.equal(times[0], 0);
    assert.ok(Math.abs((times[29] ?? 0) - (29 * 1000) / 3) < 1e-6);
  });

  it('places ramp starts where the integral of the rate reaches each count', () => {
    // 0 → 100/s over 2 s: N(t) = 25·t², so start k is due at sqrt(k/25) s.
    const times = allTimes(new ArrivalSchedule([{ fromRate: 0, toRate: 100, durationMs: 2000 }]));
    assert.equal(times.length, 100);
    for (const k of [1, 25, 64, 99]) assert.ok(Math.abs((times[k] ?? 0) - Math.sqrt(k / 25) * 1000) < 1e-6);
  });

  it('chains segments, skips zero-rate stretches and ramps down', () => {
    const times = allTimes(
      new ArrivalSchedule([
        { fromRate: 10, toRate: 10, durationMs: 1000 },
        { fromRate: 0, toRate: 0, durationMs: 1000 },
        { fromRate: 10, toRate: 0, durationMs: 2000 },
      ]),
    );
    assert.equal(times.length, 20);
    assert.ok(times.every((t, i) => i === 0 || t > (times[i - 1] ?? 0)));
    assert.ok(times.slice(10).every((t) => t >= 2000 && t <= 4000));
    // Ramping down: the gaps grow.
    const gaps = times.slice(11).map((t, i) => t - (times[10 + i] ?? 0));
    assert.ok((gaps.at(-1) ?? 0) > (gaps[0] ?? 0));
  });
});
