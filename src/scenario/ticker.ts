/**
 * A reading taken on a fixed grid of scenario time (tick N at N × period), never two at once: the
 * next one is scheduled when the previous has finished, so a slow reading skips ahead rather than
 * piling up. Shared by the samplers that watch mock-idp and the fault proxy during a scenario.
 */
export class Ticker {
  #tick = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();

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
    const schedule = (): void => {
      const next = (this.#tick + 1) * this.periodMs - this.elapsedMs();
      this.#timer = setTimeout(
        () => {
          this.#running = this.read().finally(() => {
            this.#tick++;
            schedule();
          });
        },
        Math.max(0, next),
      );
      this.#timer.unref();
    };
    schedule();
  }

  /** Stops the schedule and waits for a reading in progress. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
