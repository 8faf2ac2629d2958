import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baselineFromSeries, timeToRecover } from '../../src/slo/recovery.ts';
import type { RecoverySecond } from '../../src/slo/recovery.ts';

/** A series of `seconds` seconds at 100 req/s; `shape(t)` gives that second's p95 and error count. */
function series(
  seconds: number,
  shape: (t: number) => { p95: number; errors?: number; requests?: number },
): RecoverySecond[] {
  return Array.from({ length: seconds }, (_, t) => {
    const s = shape(t);
    const requests = s.requests ?? 100;
    return { t, requests, p95: requests === 0 ? null : s.p95, unexpected: s.errors ?? 0 };
  });
}

const baseline = { p95: 20, errorRate: 0 };

describe('time to recover', () => {
  it('measures a sharp recovery from the fault end to the first good second', () => {
    // Fault 10 s–20 s; latency and errors stay bad until 26 s, then normal.
    const s = series(60, (t) => (t >= 10 && t < 26 ? { p95: 800, errors: 30 } : { p95: 20 }));
    assert.equal(timeToRecover(s, { faultEndMs: 20_000, baseline }), 6000);
  });

  it('returns 0 when the SUT is fine as soon as the fault ends', () => {
    const s = series(40, (t) => (t >= 10 && t < 20 ? { p95: 800 } : { p95: 21 }));
    assert.equal(timeToRecover(s, { faultEndMs: 20_000, baseline }), 0);
    // A fault ending mid-second: the recovery instant is never before the fault end.
    assert.equal(timeToRecover(s, { faultEndMs: 19_500, baseline }), 500);
  });

  it('waits for both latency and error rate to come back', () => {
    // Latency normal from 22 s, errors (5 %) until 30 s.
    const s = series(60, (t) => ({ p95: t < 22 ? 500 : 20, errors: t < 30 ? 5 : 0 }));
    assert.equal(timeToRecover(s, { faultEndMs: 20_000, baseline }), 10_000);
    // With a 10 % error tolerance the errors no longer matter.
    assert.equal(timeToRecover(s, { faultEndMs: 20_000, baseline, errorRateTolerance: 0.1 }), 2000);
  });

  it('does not count a brief good spell that does not hold', () => {
    // Good 22–24 s, bad again 25–31 s, good from 32 s.
    const s = series(60, (t) => ({ p95: (t >= 22 && t < 25) || t >= 32 ? 20 : 900 }));
    assert.equal(timeToRecover(s, { faultEndMs: 20_000, baseline, rollingSeconds: 1, holdMs: 5000 }), 12_000);
    // With no hold, the brief spell counts.
    assert.equal(timeToRecover(s, { faultEndMs: 20_000, baseline, rollingSeconds: 1, holdMs: 0 }), 2000);
  });

  it('smooths a single noisy second with the rolling window', () => {
    // Normal from 21 s except one 40 ms spike at 27 s (limit 20 × 1.25 + 5 = 30).
    const s = series(60, (t) => ({ p95: t < 21 ? 900 : t === 27 ? 40 : 20 }));
    assert.equal(timeToRecover(s, { faultEndMs: 20_000, baseline, rollingSeconds: 3, holdMs: 10_000 }), 1000);
    assert.equal(timeToRecover(s, { faultEndMs: 20_000, baseline, rollingSeconds: 1, holdMs: 10_000 }), 8000);
  });

  it('applies the relative and absolute latency tolerances', () => {
    const s = series(40, (t) => ({ p95: t < 20 ? 900 : 30 }));
    // 30 > 20 × 1.25 + 0 …
    assert.equal(timeToRecover(s, { faultEndMs: 20_000, baseline, latencySlackMs: 0 }), undefined);
    // … but within 20 × 1.25 + 5.
    assert.equal(timeToRecover(s, { faultEndMs: 20_000, baseline }), 0);
    assert.equal(
      timeToRecover(s, { faultEndMs: 20_000, baseline, latencyTolerance: 0.5, latencySlackMs: 0 }),
      0,
    );
  });

  it('never recovers when the series ends degraded or before the hold is over', () => {
    const degraded = series(40, () => ({ p95: 900 }));
    assert.equal(timeToRecover(degraded, { faultEndMs: 20_000, baseline }), undefined);
    const late = series(40, (t) => ({ p95: t < 37 ? 900 : 20 }));
    assert.equal(timeToRecover(late, { faultEndMs: 20_000, baseline }), undefined);
    assert.equal(timeToRecover([], { faultEndMs: 0, baseline }), undefined);
  });

  it('does not take seconds without traffic as recovered', () => {
    const s = series(50, (t) => (t < 30 ? { p95: 0, requests: 0 } : { p95: 20 }));
    assert.equal(timeToRecover(s, { faultEndMs: 20_000, baseline }), 10_000);
  });

  it('measures the baseline over a window, request-weighted', () => {
    const s = series(20, (t) => ({
      p95: t < 5 ? 10 : 30,
      requests: t < 5 ? 300 : 100,
      errors: t < 5 ? 3 : 0,
    }));
    const b = baselineFromSeries(s, 0, 10_000);
    assert.ok(b);
    assert.equal(b.p95, (10 * 1500 + 30 * 500) / 2000);
    assert.equal(b.errorRate, 15 / 2000);
    assert.equal(baselineFromSeries(s, 100_000, 110_000), undefined);
  });

  it('rejects a rolling window below one second', () => {
    assert.throws(
      () =>
        timeToRecover(
          series(5, () => ({ p95: 1 })),
          { faultEndMs: 0, baseline, rollingSeconds: 0 },
        ),
      RangeError,
    );
  });
});
