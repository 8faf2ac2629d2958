/**
 * The counters behind /stats and /metrics, held in plain objects updated in place on the hot
 * path: one per client, one per issuer, one per client × issuer pair ("slot"), and the totals.
 * Gauges (in-flight JWKS requests, open sockets) are PeakTrackers so marks can read their peaks.
 */
import { ENDPOINTS } from '../contracts.ts';
import type { Endpoint } from '../contracts.ts';
import { ArrivalLog } from './arrival-log.ts';
import { BucketHistogram, LATENCY_BUCKETS } from './histogram.ts';
import type { PeakTracker } from './peak-tracker.ts';

export const ENDPOINT_INDEX: Record<Endpoint, number> = Object.fromEntries(
  ENDPOINTS.map((e, i) => [e, i]),
) as Record<Endpoint, number>;

/** Creates trackers sized for the marks open right now. */
export type TrackerFactory = () => PeakTracker;

/** Fetch counters shared by every level (totals, client, issuer, slot). */
export class FetchCounts {
  requests = 0;
  jwksFetches = 0;
  jwksFetchesAfterUnknownKid = 0;
  readonly jwksInFlight: PeakTracker;
  constructor(tracker: TrackerFactory) {
    this.jwksInFlight = tracker();
  }
  resetCounts(): void {
    this.requests = 0;
    this.jwksFetches = 0;
    this.jwksFetchesAfterUnknownKid = 0;
  }
}

/** One client × issuer pair. */
export class Slot extends FetchCounts {
  readonly client: ClientAgg;
  readonly issuer: IssuerAgg;
  readonly arrivals = new ArrivalLog();
  /** Unknown-kid generation of the issuer this slot has already "answered" with a fetch. */
  seenUnknownKidGen = 0;
  constructor(client: ClientAgg, issuer: IssuerAgg, tracker: TrackerFactory) {
    super(tracker);
    this.client = client;
    this.issuer = issuer;
  }
  override resetCounts(): void {
    super.resetCounts();
    this.arrivals.reset();
    this.seenUnknownKidGen = this.issuer.unknownKidGen;
  }
}

export class ClientAgg extends FetchCounts {
  readonly id: string;
  connections = 0;
  readonly byEndpoint = new Float64Array(ENDPOINTS.length);
  readonly openSockets: PeakTracker;
  readonly arrivals = new ArrivalLog();
  readonly slots = new Map<string, Slot>();
  constructor(id: string, tracker: TrackerFactory) {
    super(tracker);
    this.id = id;
    this.openSockets = tracker();
  }
  override resetCounts(): void {
    super.resetCounts();
    this.connections = 0;
    this.byEndpoint.fill(0);
    this.arrivals.reset();
  }
}

/** Per endpoint of an issuer: request counts by status × fault label, and latency. */
export class EndpointAgg {
  /** status (number or reset/hang/…) → fault label ('none', 'latency', 'latency+status') → count. */
  readonly byStatus = new Map<number | string, Map<string, number>>();
  readonly latency = new BucketHistogram(LATENCY_BUCKETS);
  count(status: number | string, faultLabel: string): void {
    let byFault = this.byStatus.get(status);
    if (byFault === undefined) {
      byFault = new Map();
      this.byStatus.set(status, byFault);
    }
    byFault.set(faultLabel, (byFault.get(faultLabel) ?? 0) + 1);
  }
  reset(): void {
    this.byStatus.clear();
    this.latency.reset();
  }
}

export class IssuerAgg extends FetchCounts {
  readonly name: string;
  tokensIssued = 0;
  unknownKidTokens = 0;
  /** Bumped by every unknown-kid token: each slot counts its next fetch once per bump. */
  unknownKidGen = 0;
  lastUnknownKidAt: number | undefined;
  readonly endpoints: EndpointAgg[] = ENDPOINTS.map(() => new EndpointAgg());
  constructor(name: string, tracker: TrackerFactory) {
    super(tracker);
    this.name = name;
  }
  override resetCounts(): void {
    super.resetCounts();
    this.tokensIssued = 0;
    this.unknownKidTokens = 0;
    for (const e of this.endpoints) e.reset();
  }
}

export class Totals extends FetchCounts {
  connections = 0;
  tokensIssued = 0;
  unknownKidTokens = 0;
  faultsInjected = 0;
  readonly openSockets: PeakTracker;
  readonly tokensByGrant = new Map<string, number>();
  readonly tokensByAlg = new Map<string, number>();
  readonly tokensByShape = new Map<string, number>();
  /** `${issuer}\u0000${grant}\u0000${alg}` → count, for Prometheus. */
  readonly tokensByIssuerGrantAlg = new Map<string, number>();
  readonly faultsByKind = new Map<string, number>();
  constructor(tracker: TrackerFactory) {
    super(tracker);
    this.openSockets = tracker();
  }
  override resetCounts(): void {
    super.resetCounts();
    this.connections = 0;
    this.tokensIssued = 0;
    this.unknownKidTokens = 0;
    this.faultsInjected = 0;
    this.tokensByGrant.clear();
    this.tokensByAlg.clear();
    this.tokensByShape.clear();
    this.tokensByIssuerGrantAlg.clear();
    this.faultsByKind.clear();
  }
}

export function bump(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}
