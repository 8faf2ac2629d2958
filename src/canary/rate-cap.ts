/**
 * The canary's hard rate cap (`canary.maxRate`) over every request it sends, to the target and
 * to the IdP: a token bucket holding one second's worth. A request that would exceed it waits
 * for its turn instead; config validation already refuses a cadence that needs more, so waiting
 * only happens when requests bunch up (slow answers, a tick that runs late).
 */
import { setTimeout as sleep } from 'node:timers/promises';

export class RateCap {
  private tokens: number;
  private readonly capacity: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();
  /** Requests that had to wait for the cap. */
  delayed = 0;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.capacity = Math.max(1, perSecond);
    this.tokens = this.capacity;
    this.last = now();
  }

  /** Resolves when one more request may go; rejects when `signal` aborts while waiting. */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.takeNow(signal));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async takeNow(signal: AbortSignal | undefined): Promise<void> {
    this.refill();
    if (this.tokens < 1) {
      this.delayed++;
      const waitMs = ((1 - this.tokens) / this.perSecond) * 1000;
      await sleep(Math.ceil(waitMs), undefined, signal === undefined ? {} : { signal });
      this.refill();
    }
    this.tokens -= 1;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
  }
}
