/**
 * An ordered queue of chunks (and the end of stream) each released at a given time. Delaying
 * toxics (latency, bandwidth, slicer, slow_close) schedule into it; release times never go
 * backwards, so order is kept even with jitter. One timer at a time, for the head only.
 */
import type { StageSink } from './stage.ts';

interface Item {
  at: number;
  chunk: Buffer | undefined; // undefined = end of stream
}

/** How early a release may happen to avoid waiting a whole extra timer tick. */
const EARLY_MS = 1;

export class TimedQueue {
  private readonly items: Item[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastAt = 0;
  private queuedBytes = 0;

  constructor(private readonly output: () => StageSink) {}

  /** Bytes waiting (for backpressure decisions). */
  get bytes(): number {
    return this.queuedBytes;
  }

  get isEmpty(): boolean {
    return this.head >= this.items.length;
  }

  /** Release time of the last scheduled item, never earlier than `now`. */
  tail(now: number): number {
    return Math.max(now, this.lastAt);
  }

  /** Schedules a chunk (or the end, with `undefined`) no earlier than anything before it. */
  schedule(at: number, chunk: Buffer | undefined): void {
    const now = performance.now();
    const when = Math.max(at, this.lastAt);
    this.lastAt = when;
    if (this.isEmpty && when <= now) {
      this.emit(chunk);
      return;
    }
    this.items.push({ at: when, chunk });
    if (chunk !== undefined) this.queuedBytes += chunk.length;
    if (this.timer === undefined) this.arm();
  }

  /** Releases everything now, in order (the toxic is being removed). */
  flush(): void {
    this.cancel();
    this.releaseUntil(Infinity);
  }

  /** Drops everything (the connection is gone). */
  clear(): void {
    this.cancel();
    this.items.length = 0;
    this.head = 0;
    this.queuedBytes = 0;
  }

  private cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    const next = this.items[this.head];
    if (next === undefined) return;
    const wait = Math.max(0, next.at - performance.now());
    this.timer = setTimeout(this.onTimer, wait);
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    // Node timers tick in whole milliseconds from the loop's cached clock, so they fire up to
    // ~1 ms early or late. Items due within EARLY_MS go now rather than costing another tick,
    // which centres the error on zero instead of making every release ~1 ms late.
    this.releaseUntil(performance.now() + EARLY_MS);
    if (!this.isEmpty && this.timer === undefined) this.arm();
  };

  private releaseUntil(limit: number): void {
    while (this.head < this.items.length) {
      const item = this.items[this.head];
      if (item === undefined || item.at > limit) break;
      this.head++;
      if (item.chunk !== undefined) this.queuedBytes -= item.chunk.length;
      this.emit(item.chunk);
    }
    if (this.head >= this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 1024) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
  }

  private emit(chunk: Buffer | undefined): void {
    if (chunk === undefined) this.output().end();
    else this.output().push(chunk);
  }
}
