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
 * So (the engine's `finalWait: 'block'`; `'timer'` sets the lead and the block to 0, i.e. plain
 * timers, for processes that serve other things too): a start more than {@link TIMER_LEAD_MS} away is waited for with a timer aimed that much
 * early; the rest is waited for with `Atomics.wait` (no CPU; sub-millisecond precision from the
 * kernel's futex timeout), at most {@link MAX_BLOCK_MS} at a time, each wait preceded by one
 * turn of the event loop (`setImmediate`) so responses and timers are served first. At rates
 * above ~1,000/s starts are closer than the lead, so every start is one loop turn and one short
 * wait, and starts due on the same wake are made together. The price, stated: a response that
 * arrives during a blocking wait is read up to that wait late (≤ 2 ms; at most the gap between
 * two starts at rates above 500/s), which can add that much to its measured latency.
 *
 * While nothing is in flight (the caller's `idle`), no response can arrive late, so the whole
 * wait (up to {@link MAX_IDLE_BLOCK_MS}) is one blocking wait: at low rates a start then costs
 * one wake instead of two (a timer's and a futex's), and a request one wake less in all. When
 * the last response arrives while a timer is pending, {@link Waker.rearm} switches to that wait.
 */

/**
 * A start further away than this is waited for with a timer, aimed this much early. The loop
 * clock lags real time by up to 1 ms, so a timer fires between ~1 ms early and ~1 ms late: aimed
 * 1 ms early, it leaves one short blocking wait (≤ 2 ms, usually well under 1 ms), or none.
 */
export const TIMER_LEAD_MS = 1;
/**
 * Longest single blocking wait: bounds how late a response can be read because of it. Each
 * blocking wait is one more sleep-and-wake of the process, which is what a start costs in CPU
 * (≈40 µs for a futex wake, ≈70 µs for a timer wake, measured under load), so one wait of up
 * to 2 ms is cheaper than two of 1 ms.
 */
export const MAX_BLOCK_MS = 2;

/**
 * Wakes are at least this far apart: above 2,000 starts/s the starts due within one interval
 * are made together on one wake (≤ 0.5 ms of lag), so the cost of waking is shared instead of
 * paid per start (measured at 10,000/s: 12–26 → 5–7 µs of CPU per start).
 */
export const MIN_WAKE_INTERVAL_MS = 0.5;

/**
 * Longest blocking wait while nothing is in flight: bounds how late a timer, a signal (Ctrl-C)
 * or an abort is served, nothing else. Covers the gap between starts from 50/s up.
 */
export const MAX_IDLE_BLOCK_MS = 20;

/** How far ahead the timer aims, how long one blocking step may last, how close wakes may be. */
export interface WakerTuning {
  leadMs: number;
  maxBlockMs: number;
  minIntervalMs: number;
  /** Longest blocking wait while the caller is idle (0: never block longer than `maxBlockMs`). */
  maxIdleBlockMs: number;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Calls back at (never before) a due time on a caller's clock; one pending wake at a time. */
export class Waker {
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private dueMs = 0;
  private callback: (() => void) | undefined;

  private readonly leadMs: number;
  private readonly maxBlockMs: number;
  private readonly minIntervalMs: number;
  private readonly maxIdleBlockMs: number;
  /** When the last callback ran (the caller's clock). */
  private lastWakeMs = -Infinity;

  /**
   * @param now the caller's clock in ms (e.g. run time); must be monotonic
   * @param tuning the defaults are {@link TIMER_LEAD_MS}, {@link MAX_BLOCK_MS},
   *   {@link MIN_WAKE_INTERVAL_MS} and {@link MAX_IDLE_BLOCK_MS}
   * @param idle true while nothing the event loop must serve promptly is pending (the engine:
   *   no request in flight); default never
   */
  constructor(
    private readonly now: () => number,
    tuning: Partial<WakerTuning> = {},
    private readonly idle: () => boolean = () => false,
  ) {
    this.leadMs = tuning.leadMs ?? TIMER_LEAD_MS;
    this.maxBlockMs = tuning.maxBlockMs ?? MAX_BLOCK_MS;
    this.minIntervalMs = tuning.minIntervalMs ?? MIN_WAKE_INTERVAL_MS;
    this.maxIdleBlockMs = tuning.maxIdleBlockMs ?? MAX_IDLE_BLOCK_MS;
  }

  /**
   * Calls `callback` once the clock reaches `dueMs`, and no sooner than the minimum interval
   * after the previous callback (replaces any pending wake).
   */
  at(dueMs: number, callback: () => void): void {
    this.cancel();
    this.dueMs = Math.max(dueMs, this.lastWakeMs + this.minIntervalMs);
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

  /**
   * The caller just became idle: a pending timer is replaced by the one blocking wait that
   * idleness allows, when the start is that close (no effect otherwise).
   */
  rearm(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.arm();
  }

  /** How long one blocking wait may last now. */
  private blockCap(): number {
    return this.maxIdleBlockMs > this.maxBlockMs && this.idle() ? this.maxIdleBlockMs : this.maxBlockMs;
  }

  private arm(): void {
    const wait = this.dueMs - this.now();
    // Idle, the final wait may cover the whole gap; otherwise the timer aims `leadMs` early.
    const cap = this.blockCap();
    const reach = cap > this.maxBlockMs ? cap : this.leadMs;
    if (wait > reach) this.timer = setTimeout(this.onTimer, wait - reach);
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
      Atomics.wait(sleeper, 0, 0, Math.min(this.blockCap(), wait));
      wait = this.dueMs - this.now();
    }
    if (wait > 0) {
      this.arm();
      return;
    }
    const callback = this.callback;
    this.callback = undefined;
    this.lastWakeMs = this.now();
    callback?.();
  };
}
