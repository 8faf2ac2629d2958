/**
 * Private keys generated ahead of need, so a rotation, an added key or a reset takes
 * milliseconds instead of an RSA generation (145–909 ms measured on a loaded machine) on the
 * admin request's path — a drill's `rotate-keys` then happens when the timeline says, not
 * whenever the generation finished. After a key is taken, its replacement is generated in the
 * background (libuv's thread pool: neither OS generation nor the seeded prime search blocks
 * the event loop).
 *
 * Seeded material is a function of (seed, label), so a key generated ahead is only good for
 * its own label: the pool is told which labels come next and keeps those. Random material fits
 * any label: the pool keeps `size` keys per algorithm.
 */
import type { KeyObject } from 'node:crypto';
import type { SigningAlg } from '../contracts.ts';

/** Makes the private key for (alg, label); see `privateKeyFor`. `signal` aborts work started ahead. */
export type KeyMaker = (alg: SigningAlg, label: string, signal?: AbortSignal) => Promise<KeyObject>;

/** What the pool holds and how keys were handed out, for the admin API and the tests. */
export interface KeyPoolStatus {
  /** Keys kept ahead per algorithm. */
  size: number;
  /** Keys generated and waiting, per algorithm. */
  ready: Partial<Record<SigningAlg, number>>;
  /** Keys being generated, per algorithm. */
  pending: Partial<Record<SigningAlg, number>>;
  /** Keys handed out that were already generated when asked for. */
  takenReady: number;
  /** Keys handed out that had to be generated (or finished) on the caller's path. */
  takenWaiting: number;
}

interface Slot {
  key: Promise<KeyObject>;
  ready: boolean;
}

export class KeyPool {
  readonly size: number;
  private readonly make: KeyMaker;
  /** Labels matter only for seeded material; random slots carry a counter instead. */
  private readonly perLabel: boolean;
  private readonly slots = new Map<SigningAlg, Map<string, Slot>>();
  private spare = 0;
  private takenReady = 0;
  private takenWaiting = 0;
  private readonly closing = new AbortController();

  constructor(options: { make: KeyMaker; seeded: boolean; size?: number }) {
    this.make = options.make;
    this.perLabel = options.seeded;
    this.size = options.size ?? 2;
  }

  /** The key for (alg, label): a pooled one when there is one, else generated now. */
  async take(alg: SigningAlg, label: string): Promise<KeyObject> {
    const slots = this.slotsOf(alg);
    const name = this.perLabel ? label : this.readiestSlot(slots);
    const slot = name === undefined ? undefined : slots.get(name);
    if (name !== undefined) slots.delete(name);
    if (slot?.ready === true) this.takenReady++;
    else this.takenWaiting++;
    return slot?.key ?? this.make(alg, label);
  }

  /**
   * Starts generating what the next takes will want: for each alg, the keys of `upcoming`
   * labels (seeded; others are dropped) or `size` keys (random). Returns at once.
   */
  fill(algs: Iterable<SigningAlg>, upcoming: readonly string[]): void {
    if (this.closing.signal.aborted) return;
    for (const alg of new Set(algs)) {
      const slots = this.slotsOf(alg);
      if (this.perLabel) {
        const wanted = new Set(upcoming.slice(0, this.size));
        for (const name of slots.keys()) if (!wanted.has(name)) slots.delete(name);
        for (const label of wanted) if (!slots.has(label)) this.start(alg, label, slots);
      } else {
        while (slots.size < this.size) this.start(alg, `spare-${this.spare++}`, slots);
      }
    }
  }

  /** Stops generating ahead (a seeded search in progress ends at its next candidate). */
  close(): void {
    this.closing.abort();
    this.slots.clear();
  }

  status(): KeyPoolStatus {
    const ready: KeyPoolStatus['ready'] = {};
    const pending: KeyPoolStatus['pending'] = {};
    for (const [alg, slots] of this.slots) {
      const values = [...slots.values()];
      ready[alg] = values.filter((s) => s.ready).length;
      pending[alg] = values.length - (ready[alg] ?? 0);
    }
    return {
      size: this.size,
      ready,
      pending,
      takenReady: this.takenReady,
      takenWaiting: this.takenWaiting,
    };
  }

  private start(alg: SigningAlg, name: string, slots: Map<string, Slot>): void {
    const slot: Slot = { key: this.make(alg, name, this.closing.signal), ready: false };
    slots.set(name, slot);
    slot.key.then(
      () => {
        slot.ready = true;
      },
      // A failed generation leaves no slot: the next take generates on its own path and reports it.
      () => {
        if (slots.get(name) === slot) slots.delete(name);
      },
    );
  }

  private readiestSlot(slots: Map<string, Slot>): string | undefined {
    for (const [name, slot] of slots) if (slot.ready) return name;
    return slots.keys().next().value;
  }

  private slotsOf(alg: SigningAlg): Map<string, Slot> {
    let slots = this.slots.get(alg);
    if (slots === undefined) {
      slots = new Map();
      this.slots.set(alg, slots);
    }
    return slots;
  }
}
