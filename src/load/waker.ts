/**
 * Wakes the open model for its next start: a coarse timer, then precise blocking waits — long
 * ones while nothing is in flight, short steps otherwise; and whenever the process is awake
 * anyway (a response was just read), a start that is due is made there and then.
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
 * So (the engine's `finalWait: 'block'`; `'timer'` never blocks, for processes that serve
 * other things too):
 * - While nothing is in flight (the caller's `idle`), no response can arrive, so the wait is a
 *   timer aimed {@link TIMER_LEAD_MS} early for a far start, then `Atomics.wait` for the rest
 *   (no CPU; sub-millisecond precision from the kernel's futex timeout), at most
 *   {@link MAX_IDLE_BLOCK_MS} at a time, each preceded by one turn of the event loop
 *   (`setImmediate`) so timers are served first. A start then costs one wake.
 * - While a request is in flight, the event loop is blocked only in steps of at most
 *   {@link MAX_BUSY_BLOCK_MS}, in the last {@link TIMER_LEAD_MS} before a start (a timer
 *   before that), with one loop turn between steps, so a response is read at most that late
 *   and a connection gets its next request that soon. An earlier version blocked for up to
 *   2 ms here; at 10,000 req/s every connection then finished at most one request per wait,
 *   and the run fell to ~8,400 req/s with thousands of dropped starts. When the last response
 *   arrives while a timer is pending, {@link Waker.rearm} turns it into the idle wait.
 * - {@link Waker.poke}: the engine calls it after every response. At high rates responses
 *   arrive more often than starts are due, so starts are made on those wakes, on time, with
 *   no timer at all; at low rates the idle wait does the work.
 */

/**
 * While idle, a start further away than this is waited for with a timer, aimed this much
 * early. The loop clock lags real time by up to 1 ms, so a timer fires between ~1 ms early and
 * ~1 ms late: aimed 1 ms early, it leaves one short blocking wait, or none.
 */
export const TIMER_LEAD_MS = 1;
/**
 * Wakes (timer or blocking wait, not {@link Waker.poke}) are at least this far apart: above
 * 2,000 starts/s the starts due within one interval are made together on one wake (≤ 0.5 ms
 * of lag), so the cost of waking is shared instead of paid per start (measured at 10,000/s:
 * 12–26 → 5–7 µs of CPU per start).
 */
export const MIN_WAKE_INTERVAL_MS = 1;

/**
 * Longest blocking wait while nothing is in flight: bounds how late a timer, a signal (Ctrl-C)
 * or an abort is served, nothing else. Covers the gap between starts from 50/s up.
 */
export const MAX_IDLE_BLOCK_MS = 20;

/**
 * Longest blocking wait while a request is in flight, in the last {@link TIMER_LEAD_MS} before a
 * start: bounds how late a response is read because of the scheduler (one loop turn, which
 * reads every response that has arrived, between two such waits). A timer there instead fires
 * up to ~2 ms late (measured over 500 s at 2,000 req/s: schedule lag p99 2.6 ms, 6,482 starts
 * more than 5 ms late); waits of up to 2 ms capped each connection at one request per wait.
 */
export const MAX_BUSY_BLOCK_MS = 0.25;

/** How far ahead the timer aims, how long a blocking wait may last, how close wakes may be. */
export interface WakerTuning {
  leadMs: number;
  minIntervalMs: number;
  /** Longest blocking wait while the caller is idle (0: never block). */
  maxIdleBlockMs: number;
  /** Longest blocking wait while the caller is busy (0: never block then). */
  maxBusyBlockMs: number;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Calls back at (never before) a due time on a caller's clock; one pending wake at a time. */
export class Waker {
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  /** When the callback is due (the caller's clock). */
  private dueMs = 0;
  /** When a timer or a blocking wait may call it back: the due time, or later to keep wakes apart. */
  private wakeMs = 0;
  private callback: (() => void) | undefined;

  private readonly leadMs: number;
  private readonly minIntervalMs: number;
  private readonly maxIdleBlockMs: number;
  private readonly maxBusyBlockMs: number;
  /** When the last callback ran (the caller's clock). */
  private lastWakeMs = -Infinity;

  /**
   * @param now the caller's clock in ms (e.g. run time); must be monotonic
   * @param tuning the defaults are {@link TIMER_LEAD_MS}, {@link MIN_WAKE_INTERVAL_MS},
   *   {@link MAX_IDLE_BLOCK_MS} and {@link MAX_BUSY_BLOCK_MS}
   * @param idle true while nothing the event loop must serve promptly is pending (the engine:
   *   no request in flight); the waker blocks long only then. Default never.
   */
  constructor(
    private readonly now: () => number,
    tuning: Partial<WakerTuning> = {},
    private readonly idle: () => boolean = () => false,
  ) {
    this.leadMs = tuning.leadMs ?? TIMER_LEAD_MS;
    this.minIntervalMs = tuning.minIntervalMs ?? MIN_WAKE_INTERVAL_MS;
    this.maxIdleBlockMs = tuning.maxIdleBlockMs ?? MAX_IDLE_BLOCK_MS;
    this.maxBusyBlockMs = tuning.maxBusyBlockMs ?? MAX_BUSY_BLOCK_MS;
  }

  /**
   * Calls `callback` once the clock reaches `dueMs`; a timer or blocking wait does so no
   * sooner than the minimum interval after the previous callback (replaces any pending wake).
   */
  at(dueMs: number, callback: () => void): void {
    this.cancel();
    this.dueMs = dueMs;
    this.wakeMs = Math.max(dueMs, this.lastWakeMs + this.minIntervalMs);
    this.callback = callback;
    this.arm();
  }

  /** Drops the pending wake, if any. */
  cancel(): void {
    this.clearPending();
    this.callback = undefined;
  }

  /**
   * The caller just became idle: a pending timer is replaced by the one blocking wait that
   * idleness allows, when the start is that close (no effect otherwise).
   */
  rearm(): void {
    if (this.timer === undefined || this.maxIdleBlockMs === 0) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.arm();
  }

  /**
   * The caller is awake anyway (e.g. it just read a response): when the pending wake is due,
   * it is made now instead of by its timer. Costs one clock read when it is not.
   */
  poke(): void {
    if (this.callback === undefined || this.now() < this.wakeMs) return;
    this.fire();
  }

  private clearPending(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  /** How long one blocking wait may last now: long while idle, short while busy. */
  private blockCap(): number {
    return this.idle() ? this.maxIdleBlockMs : this.maxBusyBlockMs;
  }

  private arm(): void {
    const wait = this.wakeMs - this.now();
    const idle = this.idle();
    const cap = idle ? this.maxIdleBlockMs : this.maxBusyBlockMs;
    // How much of the wait the blocking waits cover: idle, the whole gap up to the cap (one
    // wake instead of two at low rates); busy, the last `leadMs`, in short steps.
    const reach = cap === 0 ? 0 : idle ? cap : this.leadMs;
    if (wait <= reach) this.immediate = setImmediate(this.onTurn);
    else this.timer = setTimeout(this.onTimer, wait - reach);
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.arm();
  };

  /** One event-loop turn has passed: block for the rest while idle, or go round again. */
  private readonly onTurn = (): void => {
    this.immediate = undefined;
    let wait = this.wakeMs - this.now();
    const cap = this.blockCap();
    if (wait > 0 && cap > 0) {
      Atomics.wait(sleeper, 0, 0, Math.min(cap, wait));
      wait = this.wakeMs - this.now();
    }
    if (wait > 0) this.arm();
    else this.fire();
  };

  private fire(): void {
    const callback = this.callback;
    this.clearPending();
    this.callback = undefined;
    this.lastWakeMs = this.now();
    callback?.();
  }
}
