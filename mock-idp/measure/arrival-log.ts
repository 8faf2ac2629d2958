/**
 * The times of recent JWKS fetches by one client (bounded ring), from which the inter-arrival
 * figures since a mark are computed on demand: min/avg/p50/max of the gaps.
 */
import { BucketHistogram, INTERARRIVAL_BUCKETS } from './histogram.ts';

/** Inter-arrival summary in milliseconds; null figures when fewer than two fetches. */
export interface InterArrival {
  fetches: number;
  gaps: number;
  minMs: number | null;
  avgMs: number | null;
  p50Ms: number | null;
  maxMs: number | null;
}

export class ArrivalLog {
  readonly #times: Float64Array;
  #next = 0;
  #size = 0;
  /** Gaps (seconds) since reset, for Prometheus. */
  readonly histogram = new BucketHistogram(INTERARRIVAL_BUCKETS);

  constructor(capacity = 2048) {
    this.#times = new Float64Array(capacity);
  }

  /** Records a fetch at `t` (performance.now() milliseconds). */
  record(t: number): void {
    if (this.#size > 0) {
      const last = this.#times[(this.#next - 1 + this.#times.length) % this.#times.length] ?? t;
      this.histogram.observe((t - last) / 1000);
    }
    this.#times[this.#next] = t;
    this.#next = (this.#next + 1) % this.#times.length;
    if (this.#size < this.#times.length) this.#size++;
  }

  /** Summary of the fetches at or after `since` (performance.now() ms) still in the ring. */
  summarize(since: number): InterArrival {
    const cap = this.#times.length;
    const start = (this.#next - this.#size + cap) % cap;
    const gaps: number[] = [];
    let fetches = 0;
    let previous: number | undefined;
    for (let k = 0; k < this.#size; k++) {
      const t = this.#times[(start + k) % cap] ?? 0;
      if (t < since) continue;
      fetches++;
      if (previous !== undefined) gaps.push(t - previous);
      previous = t;
    }
    if (gaps.length === 0) return { fetches, gaps: 0, minMs: null, avgMs: null, p50Ms: null, maxMs: null };
    gaps.sort((a, b) => a - b);
    const round = (x: number) => Math.round(x * 1000) / 1000;
    const total = gaps.reduce((a, b) => a + b, 0);
    return {
      fetches,
      gaps: gaps.length,
      minMs: round(gaps[0] ?? 0),
      avgMs: round(total / gaps.length),
      p50Ms: round(gaps[Math.floor((gaps.length - 1) / 2)] ?? 0),
      maxMs: round(gaps[gaps.length - 1] ?? 0),
    };
  }

  reset(): void {
    this.#next = 0;
    this.#size = 0;
    this.histogram.reset();
  }
}
