/**
 * Reads mock-idp's own measurements once a second while a scenario runs: JWKS fetches per SUT
 * instance and issuer, the peak number of concurrent fetches within the second, and fetches
 * that followed an unknown kid. Peaks come from a mark per second (mock-idp tracks peaks per
 * open mark); counts from the cumulative figures, so nothing is counted twice.
 */
import type { Stats } from '../../mock-idp/measure/stats.ts';
import type { MockIdp } from '../../mock-idp/index.ts';
import { Ticker } from './ticker.ts';

/** One second of IdP figures, per SUT instance (client id) and issuer. */
export interface IdpSecond {
  /** Seconds since the scenario started (covers [t, t+1)). */
  t: number;
  /** client → issuer → fetches / peak concurrent fetches / unknown-kid fetches in this second. */
  slots: Record<string, Record<string, { fetches: number; peak: number; unknownKid: number }>>;
  tokensIssued: number;
  faultsInjected: number;
}

/** Clients that are the harness itself, not a SUT instance. */
const HARNESS_CLIENTS = new Set(['anonymous']);

export class IdpSampler {
  readonly seconds: IdpSecond[] = [];
  #previous: Stats | undefined;
  /** The mark the next reading's peaks are read since (the last successful reading's). */
  #lastMark = 't0';
  readonly #ticker: Ticker;
  #failures = 0;
  lastError: string | undefined;

  constructor(
    private readonly idp: MockIdp,
    elapsedMs: () => number,
  ) {
    this.#ticker = new Ticker(1000, elapsedMs, () => this.#sample());
  }

  /**
   * Takes the starting reading now. Called before the SUT starts, so the fetches it makes while
   * starting (a prefetch of its keys) count in the scenario's first second, not nowhere.
   */
  async baseline(): Promise<void> {
    await this.idp.admin.stats.mark('t0');
    this.#previous = await this.idp.admin.stats.get();
  }

  /** Takes the starting reading unless baseline() did, and samples every second after. */
  async start(): Promise<void> {
    if (this.#previous === undefined) await this.baseline();
    this.#ticker.start();
  }

  /** Stops sampling after one last reading of the partial second. */
  async stop(): Promise<void> {
    await this.#ticker.stop();
    await this.#sample();
  }

  /**
   * Reads second `t` (the ticker's position): a failed reading loses that second, never shifts the
   * next. The next reading reads peaks since the mark this one set, even when this one failed:
   * a mark mock-idp no longer has (a reset, the cap on marks) costs one second, not every later one.
   */
  async #sample(): Promise<void> {
    const t = this.#ticker.ticks;
    const mark = `t${t + 1}`;
    const since = this.#lastMark;
    try {
      await this.idp.admin.stats.mark(mark);
      this.#lastMark = mark;
      const [sinceMark, cumulative] = await Promise.all([
        this.idp.admin.stats.get({ since }),
        this.idp.admin.stats.get(),
      ]);
      this.seconds.push(toSecond(t, sinceMark, cumulative, this.#previous));
      this.#previous = cumulative;
    } catch (error) {
      // A failed reading loses one second of IdP figures; the SLOs then see fewer samples.
      this.#failures++;
      this.lastError = error instanceof Error ? error.message : String(error);
    }
  }

  get failures(): number {
    return this.#failures;
  }
}

function toSecond(t: number, sinceMark: Stats, now: Stats, before: Stats | undefined): IdpSecond {
  const slots: IdpSecond['slots'] = {};
  for (const [client, c] of Object.entries(now.clients)) {
    if (HARNESS_CLIENTS.has(client)) continue;
    for (const [issuer, s] of Object.entries(c.issuers)) {
      const prev = before?.clients[client]?.issuers[issuer];
      const fetches = s.jwksFetches - (prev?.jwksFetches ?? 0);
      const unknownKid = s.jwksFetchesAfterUnknownKid - (prev?.jwksFetchesAfterUnknownKid ?? 0);
      const peak = sinceMark.clients[client]?.issuers[issuer]?.jwksInFlightPeak ?? 0;
      if (fetches === 0 && peak === 0 && unknownKid === 0) continue;
      (slots[client] ??= {})[issuer] = { fetches, peak, unknownKid };
    }
  }
  return {
    t,
    slots,
    tokensIssued: now.totals.tokensIssued - (before?.totals.tokensIssued ?? 0),
    faultsInjected: now.totals.faultsInjected - (before?.totals.faultsInjected ?? 0),
  };
}

/** Figures of a window [fromMs, toMs) from the seconds overlapping it. */
export function idpWindow(
  seconds: readonly IdpSecond[],
  fromMs: number,
  toMs: number,
  issuer?: string,
): {
  samples: number;
  fetches: number;
  unknownKid: number;
  peak: number;
  perInstance: Record<string, number>;
} {
  let samples = 0;
  let fetches = 0;
  let unknownKid = 0;
  let peak = 0;
  const perInstance: Record<string, number> = {};
  for (const s of seconds) {
    if ((s.t + 1) * 1000 <= fromMs || s.t * 1000 >= toMs) continue;
    samples++;
    for (const [client, issuers] of Object.entries(s.slots)) {
      for (const [name, slot] of Object.entries(issuers)) {
        if (issuer !== undefined && name !== issuer) continue;
        fetches += slot.fetches;
        unknownKid += slot.unknownKid;
        peak = Math.max(peak, slot.peak);
        perInstance[client] = (perInstance[client] ?? 0) + slot.fetches;
      }
    }
  }
  return { samples, fetches, unknownKid, peak, perInstance };
}
