/**
 * Decides whether a request in scope is faulted: inside the time window, then first-N /
 * every-Nth on the count of in-scope requests, then the seeded probability. The draw happens
 * last and only for requests that passed the rest, so the same seed and the same request
 * sequence give the same pattern.
 */
import type { Random } from '../../src/util/random.ts';
import type { ResolvedFaultSpec } from './types.ts';

export class Schedule {
  /** Requests in scope and inside the window, so far. */
  matched = 0;
  readonly #spec: ResolvedFaultSpec['schedule'];
  readonly #random: Random;
  readonly #windowStart: number;
  readonly #windowEnd: number;

  constructor(spec: ResolvedFaultSpec['schedule'], random: Random, createdAt: number) {
    this.#spec = spec;
    this.#random = random;
    this.#windowStart = createdAt + (spec.window?.start ?? 0);
    this.#windowEnd = spec.window?.end === undefined ? Infinity : createdAt + spec.window.end;
  }

  /** Called once per in-scope request; `now` is epoch milliseconds. */
  decide(now: number): boolean {
    if (now < this.#windowStart || now >= this.#windowEnd) return false;
    const n = ++this.matched;
    const s = this.#spec;
    if (s.firstN !== undefined && n > s.firstN) return false;
    if (s.everyNth !== undefined && n % s.everyNth !== 0) return false;
    if (s.probability !== undefined && !this.#random.chance(s.probability)) return false;
    return true;
  }
}
