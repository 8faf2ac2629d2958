/**
 * The JSON figures of GET /stats: counters since a mark (current minus the mark's snapshot),
 * gauges now, peaks since the mark, inter-arrival figures of the fetches since the mark.
 */
import { ENDPOINTS } from '../contracts.ts';
import type { FetchCounts } from './aggregates.ts';
import type { InterArrival } from './arrival-log.ts';
import type { CounterTree, Mark, MeasureState } from './state.ts';

interface FetchFigures {
  requests: number;
  jwksFetches: number;
  jwksFetchesAfterUnknownKid: number;
  /** JWKS requests being answered right now. */
  jwksInFlight: number;
  /** Highest jwksInFlight since the mark (or the last reset). */
  jwksInFlightPeak: number;
}

export interface ClientIssuerStats extends FetchFigures {
  interArrival: InterArrival;
}

export interface ClientStats extends FetchFigures {
  connections: number;
  /** Sockets opened by this client (named by their first request) and still open. */
  openSockets: number;
  openSocketsPeak: number;
  byEndpoint: Record<string, number>;
  interArrival: InterArrival;
  issuers: Record<string, ClientIssuerStats>;
}

export interface IssuerStats extends FetchFigures {
  tokensIssued: number;
  unknownKidTokens: number;
  /** ISO time of the last token with an unknown kid (ever), if any. */
  lastUnknownKidAt: string | null;
  byEndpoint: Record<string, number>;
  byStatus: Record<string, number>;
  byFault: Record<string, number>;
}

/** The body of GET /stats. */
export interface Stats {
  /** The window the counters cover: since a named mark, or since the last reset (mark null). */
  since: { mark: string | null; at: string };
  now: string;
  totals: FetchFigures & {
    connections: number;
    openSockets: number;
    openSocketsPeak: number;
    tokensIssued: number;
    unknownKidTokens: number;
    faultsInjected: number;
  };
  tokens: { byGrant: Record<string, number>; byAlg: Record<string, number>; byShape: Record<string, number> };
  faults: { byKind: Record<string, number> };
  clients: Record<string, ClientStats>;
  issuers: Record<string, IssuerStats>;
}

const fetchCounters = (f: FetchCounts): CounterTree => ({
  requests: f.requests,
  jwksFetches: f.jwksFetches,
  jwksFetchesAfterUnknownKid: f.jwksFetchesAfterUnknownKid,
});

const fromMap = (m: Map<string, number>): CounterTree => Object.fromEntries(m);

/** Everything that only ever counts up between resets, as one tree (snapshotted by marks). */
export function counterTree(state: MeasureState): CounterTree {
  const t = state.totals;
  const clients: CounterTree = {};
  for (const c of state.clients.values()) {
    const issuers: CounterTree = {};
    for (const s of c.slots.values()) issuers[s.issuer.name] = fetchCounters(s);
    clients[c.id] = {
      ...fetchCounters(c),
      connections: c.connections,
      byEndpoint: Object.fromEntries(ENDPOINTS.map((e, i) => [e, c.byEndpoint[i] ?? 0])),
      issuers,
    };
  }
  const issuers: CounterTree = {};
  for (const i of state.issuers.values()) {
    const byEndpoint: CounterTree = {};
    const byStatus: CounterTree = {};
    const byFault: CounterTree = {};
    ENDPOINTS.forEach((e, index) => {
      let n = 0;
      for (const [status, faults] of i.endpoints[index]?.byStatus ?? []) {
        for (const [fault, count] of faults) {
          n += count;
          byStatus[String(status)] = ((byStatus[String(status)] as number | undefined) ?? 0) + count;
          if (fault !== 'none') byFault[fault] = ((byFault[fault] as number | undefined) ?? 0) + count;
        }
      }
      byEndpoint[e] = n;
    });
    issuers[i.name] = {
      ...fetchCounters(i),
      tokensIssued: i.tokensIssued,
      unknownKidTokens: i.unknownKidTokens,
      byEndpoint,
      byStatus,
      byFault,
    };
  }
  return {
    totals: {
      ...fetchCounters(t),
      connections: t.connections,
      tokensIssued: t.tokensIssued,
      unknownKidTokens: t.unknownKidTokens,
      faultsInjected: t.faultsInjected,
    },
    tokens: {
      byGrant: fromMap(t.tokensByGrant),
      byAlg: fromMap(t.tokensByAlg),
      byShape: fromMap(t.tokensByShape),
    },
    faults: { byKind: fromMap(t.faultsByKind) },
    clients,
    issuers,
  };
}

/** current − base, key by key (a key missing from base counts from 0). */
export function subtract(current: CounterTree, base: CounterTree | undefined): CounterTree {
  const out: CounterTree = {};
  for (const [key, value] of Object.entries(current)) {
    const b = base?.[key];
    out[key] =
      typeof value === 'number'
        ? value - (typeof b === 'number' ? b : 0)
        : subtract(value, typeof b === 'object' ? b : undefined);
  }
  return out;
}

export function buildStats(
  state: MeasureState,
  options: {
    mark?: Mark;
    markIndex?: number;
    client?: string;
    now: number;
    perfNow: number;
    resetAt: number;
  },
): Stats {
  const { mark, markIndex } = options;
  const counters = subtract(counterTree(state), mark?.base) as unknown as Stats;
  const sincePerf = mark?.perfAt ?? -Infinity;
  const gauges = (f: FetchCounts) => ({
    jwksInFlight: f.jwksInFlight.value,
    jwksInFlightPeak: f.jwksInFlight.peakSince(markIndex),
  });

  Object.assign(counters.totals, gauges(state.totals), {
    openSockets: state.totals.openSockets.value,
    openSocketsPeak: state.totals.openSockets.peakSince(markIndex),
  });
  for (const c of state.clients.values()) {
    const entry = counters.clients[c.id];
    if (entry === undefined) continue;
    Object.assign(entry, gauges(c), {
      openSockets: c.openSockets.value,
      openSocketsPeak: c.openSockets.peakSince(markIndex),
      interArrival: c.arrivals.summarize(sincePerf),
    });
    for (const s of c.slots.values()) {
      const pair = entry.issuers[s.issuer.name];
      if (pair !== undefined)
        Object.assign(pair, gauges(s), { interArrival: s.arrivals.summarize(sincePerf) });
    }
  }
  for (const i of state.issuers.values()) {
    const entry = counters.issuers[i.name];
    if (entry === undefined) continue;
    Object.assign(entry, gauges(i), {
      lastUnknownKidAt: i.lastUnknownKidAt === undefined ? null : new Date(i.lastUnknownKidAt).toISOString(),
    });
  }
  if (options.client !== undefined) {
    const only = counters.clients[options.client] ?? emptyClient();
    counters.clients = { [options.client]: only };
  }
  return {
    since: { mark: mark?.name ?? null, at: new Date(mark?.at ?? options.resetAt).toISOString() },
    now: new Date(options.now).toISOString(),
    totals: counters.totals,
    tokens: counters.tokens,
    faults: counters.faults,
    clients: counters.clients,
    issuers: counters.issuers,
  };
}

function emptyClient(): ClientStats {
  const none: InterArrival = { fetches: 0, gaps: 0, minMs: null, avgMs: null, p50Ms: null, maxMs: null };
  return {
    requests: 0,
    jwksFetches: 0,
    jwksFetchesAfterUnknownKid: 0,
    jwksInFlight: 0,
    jwksInFlightPeak: 0,
    connections: 0,
    openSockets: 0,
    openSocketsPeak: 0,
    byEndpoint: Object.fromEntries(ENDPOINTS.map((e) => [e, 0])),
    interArrival: none,
    issuers: {},
  };
}
