/**
 * The request journal: the last N data-plane requests (ring buffer, default 1000) with what the
 * provider saw and did. Entries are reused in place, and secrets are redacted when read.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { DeliveryOutcome, RequestContext } from '../contracts.ts';
import { redactHeaders, redactPath } from './redact.ts';

export interface JournalEntry {
  /** Request number (RequestContext.id). */
  id: number;
  /** ISO time the request ended. */
  at: string;
  clientId: string;
  issuer: string;
  endpoint: string;
  method: string;
  path: string;
  remoteAddress: string;
  status: DeliveryOutcome['status'];
  faults: string[];
  durationMs: number;
  headers: Record<string, string | string[]>;
}

/** An entry as stored: the time as a number and the headers as received (redacted on read). */
interface Slot extends Omit<JournalEntry, 'at' | 'headers'> {
  at: number;
  headers: IncomingHttpHeaders;
}

export const DEFAULT_JOURNAL_SIZE = 1000;

export class Journal {
  readonly capacity: number;
  readonly #ring: Slot[] = [];
  #next = 0;

  constructor(capacity = DEFAULT_JOURNAL_SIZE) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new TypeError(`journalSize: ${capacity} is not a positive integer`);
    this.capacity = capacity;
  }

  record(ctx: RequestContext, outcome: DeliveryOutcome, durationMs: number, at: number): void {
    let slot = this.#ring[this.#next];
    if (slot === undefined) {
      slot = { ...EMPTY };
      this.#ring[this.#next] = slot;
    }
    slot.id = ctx.id;
    slot.at = at;
    slot.clientId = ctx.clientId;
    slot.issuer = ctx.issuer;
    slot.endpoint = ctx.endpoint;
    slot.method = ctx.method;
    slot.path = ctx.path;
    slot.remoteAddress = ctx.remoteAddress;
    slot.status = outcome.status;
    slot.faults = outcome.faults;
    slot.durationMs = durationMs;
    slot.headers = ctx.headers;
    this.#next = (this.#next + 1) % this.capacity;
  }

  /** Newest last; at most `limit` entries (default all). */
  entries(limit = this.capacity): JournalEntry[] {
    const size = this.#ring.length;
    const count = Math.min(limit, size);
    const out: JournalEntry[] = [];
    const start = size < this.capacity ? size - count : (this.#next - count + this.capacity) % this.capacity;
    for (let k = 0; k < count; k++) {
      const s = this.#ring[(start + k) % this.capacity];
      if (s === undefined) continue;
      out.push({
        id: s.id,
        at: new Date(s.at).toISOString(),
        clientId: s.clientId,
        issuer: s.issuer,
        endpoint: s.endpoint,
        method: s.method,
        path: redactPath(s.path),
        remoteAddress: s.remoteAddress,
        status: s.status,
        faults: [...s.faults],
        durationMs: Math.round(s.durationMs * 1000) / 1000,
        headers: redactHeaders(s.headers),
      });
    }
    return out;
  }

  clear(): void {
    this.#ring.length = 0;
    this.#next = 0;
  }
}

const EMPTY: Slot = {
  id: 0,
  at: 0,
  clientId: '',
  issuer: '',
  endpoint: '',
  method: '',
  path: '',
  remoteAddress: '',
  status: 0,
  faults: [],
  durationMs: 0,
  headers: {},
};
