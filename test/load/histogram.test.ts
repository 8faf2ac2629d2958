import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLatencyHistogram, moments, recordMs, summarize } from '../../src/load/histogram.ts';

describe('latency histogram summaries', () => {
  it("computes the mean and standard deviation exactly as hdr-histogram-js's own getters do", () => {
    for (const digits of [2, 3] as const) {
      const histogram = createLatencyHistogram(digits);
      let seed = 7;
      const next = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647;
      for (let i = 0; i < 5000; i++) recordMs(histogram, 0.05 + next() * next() * 250);
      const { mean, stddev } = moments(histogram);
      assert.equal(mean, histogram.mean);
      assert.ok(Math.abs(stddev - histogram.stdDeviation) < 1e-6 * histogram.stdDeviation, `${stddev}`);
      const summary = summarize(histogram);
      assert.equal(summary.mean, Math.round(histogram.mean) / 1000);
      assert.equal(summary.count, 5000);
    }
  });

  it('summarises an empty histogram as zeros', () => {
    assert.deepEqual(moments(createLatencyHistogram(3)), { mean: 0, stddev: 0 });
    assert.equal(summarize(createLatencyHistogram(3)).mean, 0);
  });
});
