import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { LoadRecorder } from '../../src/load/recorder.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('load recorder', () => {
  it('does not grow with the number of requests, only (a little) with run time', () => {
    const recorder = new LoadRecorder(5);
    const kinds = ['fresh', 'expiring', 'refreshed', 'negative'];
    const record = (from: number, count: number, spanMs: number): void => {
      for (let i = 0; i < count; i++) {
        const t = from + (i / count) * spanMs;
        const kind = kinds[i % 4] ?? 'fresh';
        recorder.sent(kind, t, t + 0.1);
        recorder.completed(
          kind,
          kind === 'negative' ? [401] : undefined,
          200,
          undefined,
          t,
          t + 0.1,
          t + 1 + (i % 50),
        );
      }
    };
    // Warm up every structure (totals, kinds, live buckets) first.
    record(0, 20_000, 1000);
    const before = heapAfterGc();
    // 400k more requests crammed into 4 more seconds: only the 4 frozen seconds may add memory.
    record(1000, 400_000, 4000);
    const growth = heapAfterGc() - before;
    assert.ok(growth < 1_000_000, `heap grew ${(growth / 1e6).toFixed(2)} MB for 400k requests`);
    recorder.finish(5000);
    assert.equal(recorder.series().length, 6);
    assert.equal(recorder.whole(5000).stats.requests, 420_000);
    assert.equal(recorder.whole(5000).stats.securityFailures, 105_000);
    assert.equal(recorder.window(0, 6000).stats.requests, 420_000);
    assert.equal(
      recorder.series().reduce((n, p) => n + p.requests, 0),
      420_000,
    );
  });

  it('puts starts, drops and completions in the second they happened, and closes empty seconds', () => {
    const seconds: number[] = [];
    const recorder = new LoadRecorder(5, (p) => seconds.push(p.t));
    recorder.sent('a', 100, 120); // 20 ms late
    recorder.dropped(300);
    recorder.completed('a', undefined, 503, undefined, 100, 120, 2500);
    recorder.advance(4200);
    assert.deepEqual(seconds, [0, 1000, 2000, 3000]);
    recorder.finish(4200);
    const series = recorder.series();
    assert.equal(series[0]?.started, 1);
    assert.equal(series[0]?.late, 1);
    assert.equal(series[0]?.dropped, 1);
    assert.equal(series[0]?.requests, 0);
    assert.equal(series[2]?.requests, 1);
    assert.equal(series[2]?.status['5xx'], 1);
    assert.equal(series[2]?.unexpected, 1);
    assert.equal(series[2]?.latency.corrected.max, 2400);
    assert.equal(series[2]?.latency.uncorrected.max, 2380);
    assert.equal(series[2]?.kinds.a?.requests, 1);
    assert.equal(series.length, 5);
  });
});
