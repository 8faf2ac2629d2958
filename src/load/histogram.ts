/**
 * HDR histograms for latencies, on hdr-histogram-js's pure JavaScript build.
 *
 * Why not its WebAssembly build: it records ~3x faster (≈30 ns vs ≈90 ns per value here), but
 * recording is well under 1 % of the engine's CPU even at 40k req/s, and wasm histograms live
 * outside the JS heap and must be `destroy()`ed by hand — a leak waiting to happen in a harness
 * that creates one per kind per second. Values are recorded in integer microseconds and
 * reported in milliseconds.
 *
 * The package's index loads the WebAssembly build (its AssemblyScript loader and embedded
 * binary) even when it is never used: +7.6 MB of RSS measured, a twentieth of the 150 MB a
 * 1M-request run may use. So only the JS histogram class and the JS encoder are loaded, from
 * the package's dist files (the package has no `exports` map; these files are its own public
 * classes, re-exported by its index).
 */
import { createRequire } from 'node:module';
import type { Histogram, JsHistogram } from 'hdr-histogram-js';
// From ESM, a CommonJS module's default import is its `module.exports`: `{ default: class }`.
import type Int32HistogramModule from 'hdr-histogram-js/dist/Int32Histogram.js';
import type * as JsEncoding from 'hdr-histogram-js/dist/JsHistogram.encoding.js';

const require = createRequire(import.meta.url);
const { default: Int32Histogram } =
  require('hdr-histogram-js/dist/Int32Histogram.js') as typeof Int32HistogramModule;
// Loading this module also installs JsHistogram.prototype.encodeIntoCompressedBase64.
const encoding = require('hdr-histogram-js/dist/JsHistogram.encoding.js') as typeof JsEncoding;

/** Largest latency recorded as itself (1 hour, in µs); larger values are clamped to it. */
export const HIGHEST_TRACKABLE_US = 3_600_000_000;

/**
 * Creates a latency histogram.
 * @param digits significant decimal digits: 3 for run totals (0.1 % error), 2 for the
 *   per-second buckets (1 % error, an eighth of the memory)
 */
export function createLatencyHistogram(digits: 2 | 3 = 3): JsHistogram {
  const histogram = new Int32Histogram(1, HIGHEST_TRACKABLE_US, digits);
  histogram.autoResize = false;
  return histogram;
}

/** Records a latency given in milliseconds (fractional) into a µs histogram. */
export function recordMs(histogram: Histogram, ms: number): void {
  const us = Math.round(ms * 1000);
  histogram.recordValue(us < 1 ? 1 : us > HIGHEST_TRACKABLE_US ? HIGHEST_TRACKABLE_US : us);
}

/** Compact form of a histogram for buckets that will not change any more (≈0.5 KB). */
export function freezeHistogram(histogram: JsHistogram): string {
  return histogram.totalCount === 0 ? '' : histogram.encodeIntoCompressedBase64();
}

/** Adds a frozen histogram into `into`. */
export function addFrozen(into: Histogram, frozen: string): void {
  if (frozen === '') return;
  into.add(encoding.doDecode(encoding.decompress(Buffer.from(frozen, 'base64')), 32, 0));
}

/** Latency figures in milliseconds; all zero when `count` is 0. */
export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  stddev: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p99_9: number;
  max: number;
}

/** The few percentiles the per-second series carries, in milliseconds. */
export interface LatencyBrief {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

const ms = (us: number): number => Math.round(us) / 1000;

/**
 * Percentile in µs, never above the recorded maximum (HDR returns the top of the value's
 * equivalence range, which can exceed the largest value actually recorded).
 */
const at = (histogram: Histogram, p: number): number =>
  Math.min(histogram.getValueAtPercentile(p), histogram.maxValue);

/**
 * A read-only view of a latency distribution (ms), for SLO checks on any percentile. Shaped
 * like src/slo's `TrendSummary`, so it can be handed to the evaluator as it is.
 */
export interface LatencyView {
  readonly samples: number;
  /** Percentile in ms, p in [0, 100]; 0 when there are no samples. */
  percentile(p: number): number;
  readonly min: number;
  readonly max: number;
  readonly avg: number;
}

/**
 * Mean and standard deviation in µs, computed as hdr-histogram-js computes them (each count at
 * its bucket's median-equivalent value) but in plain loops over the counts: the package's
 * `mean` and `stdDeviation` getters walk an iterator object per recorded value, which took
 * ~30 ms per summary of a busy histogram (measured), several times at the end of every run —
 * as much CPU as thousands of requests.
 */
export function moments(histogram: JsHistogram): { mean: number; stddev: number } {
  const total = histogram.totalCount;
  if (total === 0) return { mean: 0, stddev: 0 };
  const last = histogram.countsArrayIndex(histogram.maxValue);
  let sum = 0;
  for (let i = 0; i <= last; i++) {
    const count = histogram.getCountAtIndex(i);
    if (count > 0) sum += histogram.medianEquivalentValue(histogram.valueFromIndex(i)) * count;
  }
  const mean = sum / total;
  let squares = 0;
  for (let i = 0; i <= last; i++) {
    const count = histogram.getCountAtIndex(i);
    if (count > 0) {
      const deviation = histogram.medianEquivalentValue(histogram.valueFromIndex(i)) - mean;
      squares += deviation * deviation * count;
    }
  }
  return { mean, stddev: Math.sqrt(squares / total) };
}

export function viewOf(histogram: JsHistogram): LatencyView {
  const empty = histogram.totalCount === 0;
  return {
    samples: histogram.totalCount,
    percentile: (p) => (empty ? 0 : ms(at(histogram, Math.min(100, Math.max(0, p))))),
    min: empty ? 0 : ms(histogram.minNonZeroValue),
    max: empty ? 0 : ms(histogram.maxValue),
    avg: empty ? 0 : ms(moments(histogram).mean),
  };
}

export function summarize(histogram: JsHistogram): LatencySummary {
  if (histogram.totalCount === 0) {
    return { count: 0, min: 0, mean: 0, stddev: 0, p50: 0, p90: 0, p95: 0, p99: 0, p99_9: 0, max: 0 };
  }
  const { mean, stddev } = moments(histogram);
  return {
    count: histogram.totalCount,
    min: ms(histogram.minNonZeroValue),
    mean: ms(mean),
    stddev: ms(stddev),
    p50: ms(at(histogram, 50)),
    p90: ms(at(histogram, 90)),
    p95: ms(at(histogram, 95)),
    p99: ms(at(histogram, 99)),
    p99_9: ms(at(histogram, 99.9)),
    max: ms(histogram.maxValue),
  };
}

export function brief(histogram: Histogram): LatencyBrief {
  if (histogram.totalCount === 0) return { p50: 0, p95: 0, p99: 0, max: 0 };
  return {
    p50: ms(at(histogram, 50)),
    p95: ms(at(histogram, 95)),
    p99: ms(at(histogram, 99)),
    max: ms(histogram.maxValue),
  };
}
