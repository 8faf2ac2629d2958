/**
 * When each start of an open-model phase is due. The rate is piecewise linear (k6's
 * ramping-arrival-rate; a constant rate is one flat segment), so the number of starts due by
 * time t is the integral N(t) of the rate, and start i is due at the t where N(t) = i. Within a
 * segment going from r0 to r1 over D seconds, N(t) = r0·t + (r1 − r0)·t²/(2D): a quadratic.
 * Times come from the formula, never from adding intervals, so no drift accumulates.
 */
import type { RateSegment } from './phases.ts';

export class ArrivalSchedule {
  /** Starts due before each segment begins. */
  private readonly before: number[] = [];
  /** Segment start offsets (ms). */
  private readonly offsets: number[] = [];
  private readonly total: number;
  private cursor = 0;

  constructor(private readonly segments: readonly RateSegment[]) {
    let n = 0;
    let t = 0;
    for (const s of segments) {
      this.before.push(n);
      this.offsets.push(t);
      n += ((s.fromRate + s.toRate) / 2) * (s.durationMs / 1000);
      t += s.durationMs;
    }
    this.total = n;
  }

  /** Starts the schedule makes over its whole length. */
  get expectedStarts(): number {
    return Math.ceil(this.total - 1e-9);
  }

  /**
   * Offset (ms from the phase start) at which start `i` is due, or undefined when the schedule
   * ends first. Calls must come with non-decreasing `i` (the cursor only moves forward).
   */
  timeOf(i: number): number | undefined {
    if (i >= this.total - 1e-9) return undefined;
    while (this.cursor < this.segments.length - 1 && i >= (this.before[this.cursor + 1] ?? Infinity))
      this.cursor++;
    const s = this.segments[this.cursor];
    if (s === undefined) return undefined;
    const k = i - (this.before[this.cursor] ?? 0);
    const d = s.durationMs / 1000;
    const r0 = s.fromRate;
    const a = (s.toRate - r0) / (2 * d);
    let t: number;
    if (Math.abs(a) < 1e-12) t = r0 > 0 ? k / r0 : 0;
    else t = (-r0 + Math.sqrt(Math.max(0, r0 * r0 + 4 * a * k))) / (2 * a);
    return (this.offsets[this.cursor] ?? 0) + Math.min(t, d) * 1000;
  }
}
