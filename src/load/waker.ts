/**
 * Wakes the open model for its next start: a coarse timer, then a bounded final wait.
 *
 * Why not a plain timer: Node's timers run on the event loop's clock, which libuv reads from
 * CLOCK_MONOTONIC_COARSE (1 ms ticks) and rounds to whole milliseconds, so a timer fires up to
 * ~2 ms after the time asked for (measured: start lag p99 2.3–2.7 ms at 100–2,000 req/s on an
 * idle machine, bench/scheduler-strategies.ts). Why not the old setImmediate spin for the last
 * 1.5 ms: it burns a core at any rate (≈1.8 ms of CPU per start at 100 req/s, 470 µs at 2,000),
 * CPU taken from the system under test on the same machine. A worker thread that sleeps
 * precisely and posts a tick was measured too: precise at 100 req/s, but its messages cost
 * more CPU per start than autocannon spends on a whole request at 2,000 req/s.
 *
 * So: a start more than {@link TIMER_LEAD_MS} away is waited for with a timer aimed that much
 * early; the rest is waited for in blocking steps of at most {@link MAX_BLOCK_MS} with
 * `Atomics.wait` (no CPU; sub-millisecond precision from the kernel's futex timeout), each
 * preceded by one turn of the event loop (`setImmediate`) so responses and timers are served
 * between steps. The price, stated: a response that arrives during a blocking step is read up
 * to {@link MAX_BLOCK_MS} late (and at most the gap between two starts at rates above
 * 1,000/s), which can add that much to its measured latency.
 */

/** A start further away than this is waited for with a timer (aimed this much early). */
export const TIMER_LEAD_MS = 2;
/** Longest single blocking wait: bounds how late a response can be read because of it. */
export const MAX_BLOCK_MS = 1;

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Calls back at (never before) a due time on a caller's clock; one pending wake at a time. */
export class Waker {
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private dueMs = 0;
  private callback: (() => void) | undefined;

  /** @param now the caller's clock in ms (e.g. run time); must be monotonic */
  constructor(private readonly now: () => number) {}

  /** Calls `callback` once the clock reaches `dueMs` (replaces any pending wake). */
  at(dueMs: number, callback: () => void): void {
    this.cancel();
    this.dueMs = dueMs;
    this.callback = callback;
    this.arm();
  }

  /** Drops the pending wake, if any. */
  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    this.callback = undefined;
  }

  private arm(): void {
    const wait = this.dueMs - this.now();
    if (wait > TIMER_LEAD_MS) this.timer = setTimeout(this.onTimer, wait - TIMER_LEAD_MS);
    else this.immediate = setImmediate(this.onTurn);
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.arm();
  };

  /** One event-loop turn has passed: block for the rest (at most MAX_BLOCK_MS), or go round again. */
  private readonly onTurn = (): void => {
    this.immediate = undefined;
    let wait = this.dueMs - this.now();
    if (wait > 0) {
      Atomics.wait(sleeper, 0, 0, Math.min(MAX_BLOCK_MS, wait));
      wait = this.dueMs - this.now();
    }
    if (wait > 0) {
      this.arm();
      return;
    }
    const callback = this.callback;
    this.callback = undefined;
    callback?.();
  };
}
