/**
 * The measurement state: aggregates by client, issuer and pair, the trackers behind every gauge,
 * and the open marks. Cardinality is capped: a flood of invented client ids or issuer names
 * lands in one overflow bucket instead of growing memory without bound.
 */
import { ClientAgg, IssuerAgg, Slot, Totals } from './aggregates.ts';
import { PeakTracker } from './peak-tracker.ts';

export const MAX_CLIENTS = 1000;
export const MAX_ISSUERS = 200;
export const MAX_MARKS = 100;
export const OVERFLOW = '_overflow';

/** A named point in time the harness reads figures from ("since the fault phase began"). */
export interface Mark {
  name: string;
  /** Epoch milliseconds. */
  at: number;
  /** performance.now() at the mark, for inter-arrival windows. */
  perfAt: number;
  /** Counters at the mark (see counterTree), subtracted from the current ones. */
  base: CounterTree;
}

/** Nested plain object of counters; the shape of the counting part of /stats. */
export interface CounterTree {
  [key: string]: number | CounterTree;
}

export class MeasureState {
  readonly trackers: PeakTracker[] = [];
  readonly marks: Mark[] = [];
  readonly clients = new Map<string, ClientAgg>();
  readonly issuers = new Map<string, IssuerAgg>();
  readonly totals: Totals;
  readonly #tracker = (): PeakTracker => {
    const t = new PeakTracker(this.marks.length);
    this.trackers.push(t);
    return t;
  };
  #lastSlot: Slot | undefined;

  constructor() {
    this.totals = new Totals(this.#tracker);
  }

  client(id: string): ClientAgg {
    let c = this.clients.get(id);
    if (c === undefined) {
      if (this.clients.size >= MAX_CLIENTS && id !== OVERFLOW) return this.client(OVERFLOW);
      c = new ClientAgg(id, this.#tracker);
      this.clients.set(id, c);
    }
    return c;
  }

  issuer(name: string): IssuerAgg {
    let i = this.issuers.get(name);
    if (i === undefined) {
      if (this.issuers.size >= MAX_ISSUERS && name !== OVERFLOW) return this.issuer(OVERFLOW);
      i = new IssuerAgg(name, this.#tracker);
      this.issuers.set(name, i);
    }
    return i;
  }

  /** The pair for a request; the last one is memoised (a SUT usually repeats itself). */
  slot(clientId: string, issuerName: string): Slot {
    const last = this.#lastSlot;
    if (last !== undefined && last.client.id === clientId && last.issuer.name === issuerName) return last;
    const client = this.client(clientId);
    const issuer = this.issuer(issuerName);
    let s = client.slots.get(issuer.name);
    if (s === undefined) {
      s = new Slot(client, issuer, this.#tracker);
      client.slots.set(issuer.name, s);
    }
    // Only memoise exact matches: an overflowed id must not shadow the next lookup.
    if (client.id === clientId && issuer.name === issuerName) this.#lastSlot = s;
    return s;
  }

  markIndex(name: string): number {
    return this.marks.findIndex((m) => m.name === name);
  }

  /** Opens (or re-opens) a mark: every tracker starts a peak window at its current value. */
  openMark(mark: Mark): void {
    const existing = this.markIndex(mark.name);
    if (existing !== -1) this.dropMark(existing);
    if (this.marks.length >= MAX_MARKS) this.dropMark(0);
    this.marks.push(mark);
    for (const t of this.trackers) t.openMark();
  }

  dropMark(index: number): void {
    this.marks.splice(index, 1);
    for (const t of this.trackers) t.dropMark(index);
  }

  /** Zeroes every counter; gauges keep their (real) values, peaks restart, marks are cleared. */
  reset(): void {
    this.marks.length = 0;
    for (const t of this.trackers) t.reset();
    this.totals.resetCounts();
    for (const i of this.issuers.values()) i.resetCounts();
    for (const c of this.clients.values()) {
      c.resetCounts();
      for (const s of c.slots.values()) s.resetCounts();
    }
  }
}
