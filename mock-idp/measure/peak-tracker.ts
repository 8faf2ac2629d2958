/**
 * A gauge that remembers its peak since the last reset and, separately, since each open mark —
 * the harness reads "peak concurrent JWKS fetches during this phase" per mark. Marks are ordered
 * oldest first and an older mark's window contains a newer one's, so their peaks never increase
 * from oldest to newest: an increment walks back from the newest mark and stops at the first
 * peak already high enough. Amortised O(1) on the hot path.
 */
export class PeakTracker {
  value = 0;
  /** Peak since the last reset. */
  peak = 0;
  /** Peak since each open mark, oldest first. */
  readonly markPeaks: number[];

  constructor(openMarks: number) {
    this.markPeaks = new Array<number>(openMarks).fill(0);
  }

  inc(): void {
    const v = ++this.value;
    if (v > this.peak) this.peak = v;
    const peaks = this.markPeaks;
    for (let i = peaks.length - 1; i >= 0; i--) {
      if ((peaks[i] ?? 0) >= v) break;
      peaks[i] = v;
    }
  }

  dec(): void {
    if (this.value > 0) this.value--;
  }

  /** Peak since the mark at `index` (or since reset when undefined). */
  peakSince(index: number | undefined): number {
    return index === undefined ? this.peak : (this.markPeaks[index] ?? this.value);
  }

  openMark(): void {
    this.markPeaks.push(this.value);
  }

  dropMark(index: number): void {
    this.markPeaks.splice(index, 1);
  }

  /** New epoch: peaks restart from the current value (which is real and stays), marks cleared. */
  reset(): void {
    this.peak = this.value;
    this.markPeaks.length = 0;
  }
}
