/**
 * A reading taken on a fixed grid of scenario time (tick N at N × period), never two at once: the
 * next one is scheduled when the previous has finished, so a slow reading delays the next rather
 * than piling readings up. Shared by the samplers that watch mock-idp and the fault proxy during a
 * scenario. `read` handles its own errors (a failed reading is the owner's to count).
 */
export class Ticker {
  #tick = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(
    private readonly periodMs: number,
    private readonly elapsedMs: () => number,
    private readonly read: () => Promise<void>,
  ) {}

  /** Readings taken so far (the next one's number). */
  get ticks(): number {
    return this.#tick;
  }

  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  /**
   * Stops the schedule and waits for a reading in progress. A reading that finishes after stop()
   * schedules no other: the owner's last reading is then the only one after it.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  #schedule(): void {
    if (this.#stopped) return;
    const next = (this.#tick + 1) * this.periodMs - this.elapsedMs();
    this.#timer = setTimeout(
      () => {
        this.#running = this.read().finally(() => {
          this.#tick++;
          this.#schedule();
        });
      },
      Math.max(0, next),
    );
    this.#timer.unref();
  }
}
