/**
 * Measurement of how the SUT fetches its keys: per client (each SUT replica has its own `/_c/{id}`
 * prefix) and per issuer — JWKS fetches, in-flight fetches and their peak per mark, open sockets,
 * fetch inter-arrival times, fetches that followed an unknown-kid token — plus tokens issued,
 * faults injected, requests by status, latency, a redacted request journal and an event stream.
 *
 * begin/end run on the JWKS hot path: plain field increments on cached aggregates, no
 * per-request allocation beyond what the journal ring reuses.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { AdminNotFoundError } from '../contracts.ts';
import type { AdminRoute, MeasurementHooks } from '../contracts.ts';
import { bump, ENDPOINT_INDEX } from './aggregates.ts';
import type { ClientAgg } from './aggregates.ts';
import { EventHub } from './event-hub.ts';
import type { ProviderEvent } from './event-hub.ts';
import { Journal } from './journal.ts';
import type { JournalEntry } from './journal.ts';
import { createPrometheus } from './prometheus.ts';
import { measurementRoutes } from './routes.ts';
import { MeasureState } from './state.ts';
import { buildStats, counterTree } from './stats.ts';
import type { Stats } from './stats.ts';

export interface MarkInfo {
  name: string;
  /** ISO time. */
  at: string;
}

export interface MeasurementsOptions {
  /** Epoch milliseconds (injectable for tests). */
  now?: () => number;
  /** Entries kept by the request journal (default 1000). */
  journalSize?: number;
}

export interface Measurements extends MeasurementHooks {
  /** Zeroes every counter, clears marks and the journal; live gauges keep their real values. */
  reset(): void;
  /** Opens (or re-opens) a named mark: figures and peaks can then be read since it. */
  mark(name: string): MarkInfo;
  marks(): MarkInfo[];
  /** Figures since a mark (or the last reset); throws AdminNotFoundError for an unknown mark. */
  stats(options?: { since?: string; client?: string }): Stats;
  /** The last `limit` journal entries (newest last), secrets redacted. */
  journal(limit?: number): JournalEntry[];
  /** Recent events with seq > after. */
  events(after?: number, limit?: number): ProviderEvent[];
  /** Serves GET /events as Server-Sent Events (mount it raw: it keeps the response open). */
  eventStream(req: IncomingMessage, res: ServerResponse): void;
  /** Admin routes: /stats, /stats/marks, /stats/reset, /journal, /events (JSON). */
  routes(): AdminRoute[];
  /** Prometheus text for the unauthenticated GET /metrics. */
  metricsText(): Promise<string>;
  /** Content-Type of metricsText(). */
  readonly contentType: string;
  /** Ends event streams (server shutdown). */
  close(): void;
}

const OWNER = Symbol('keystorm.socketOwner');
const SEEN = Symbol('keystorm.socketSeen');
type TrackedSocket = Socket & { [OWNER]?: ClientAgg; [SEEN]?: true };

export function createMeasurements(options: MeasurementsOptions = {}): Measurements {
  const now = options.now ?? Date.now;
  const state = new MeasureState();
  const journal = new Journal(options.journalSize);
  const hub = new EventHub(now);
  const registry = createPrometheus(state);
  let resetAt = now();
  const totals = state.totals;

  const markIndexOrThrow = (name: string | undefined): number | undefined => {
    if (name === undefined) return undefined;
    const index = state.markIndex(name);
    if (index === -1) throw new AdminNotFoundError(`unknown mark "${name}"`);
    return index;
  };

  const measurements: Measurements = {
    onConnection(socket) {
      const s = socket as TrackedSocket;
      if (s[SEEN] === true) return;
      s[SEEN] = true;
      totals.connections++;
      totals.openSockets.inc();
      socket.once('close', () => {
        totals.openSockets.dec();
        s[OWNER]?.openSockets.dec();
      });
    },

    begin(ctx) {
      const socket = ctx.socket as TrackedSocket;
      if (socket[SEEN] !== true) measurements.onConnection(socket);
      const slot = state.slot(ctx.clientId, ctx.issuer);
      const client = slot.client;
      const issuer = slot.issuer;
      // A socket belongs to the client named by its first request.
      if (socket[OWNER] === undefined && !socket.destroyed) {
        socket[OWNER] = client;
        client.connections++;
        client.openSockets.inc();
      }
      totals.requests++;
      client.requests++;
      issuer.requests++;
      slot.requests++;
      const e = ENDPOINT_INDEX[ctx.endpoint];
      client.byEndpoint[e] = (client.byEndpoint[e] ?? 0) + 1;
      if (ctx.endpoint !== 'jwks') return;
      totals.jwksFetches++;
      client.jwksFetches++;
      issuer.jwksFetches++;
      slot.jwksFetches++;
      totals.jwksInFlight.inc();
      client.jwksInFlight.inc();
      issuer.jwksInFlight.inc();
      slot.jwksInFlight.inc();
      slot.arrivals.record(ctx.startedAt);
      client.arrivals.record(ctx.startedAt);
      if (slot.seenUnknownKidGen < issuer.unknownKidGen) {
        // The first fetch by this client since an unknown-kid token: counted once per token burst.
        slot.seenUnknownKidGen = issuer.unknownKidGen;
        totals.jwksFetchesAfterUnknownKid++;
        client.jwksFetchesAfterUnknownKid++;
        issuer.jwksFetchesAfterUnknownKid++;
        slot.jwksFetchesAfterUnknownKid++;
      }
    },

    end(ctx, outcome) {
      const slot = state.slot(ctx.clientId, ctx.issuer);
      if (ctx.endpoint === 'jwks') {
        totals.jwksInFlight.dec();
        slot.client.jwksInFlight.dec();
        slot.issuer.jwksInFlight.dec();
        slot.jwksInFlight.dec();
      }
      const durationMs = performance.now() - ctx.startedAt;
      const endpoint = slot.issuer.endpoints[ENDPOINT_INDEX[ctx.endpoint]];
      const faults = outcome.faults;
      const label =
        faults.length === 0 ? 'none' : faults.length === 1 ? (faults[0] ?? 'none') : faults.join('+');
      if (endpoint !== undefined) {
        endpoint.latency.observe(durationMs / 1000);
        endpoint.count(outcome.status, label);
      }
      for (const kind of faults) {
        totals.faultsInjected++;
        bump(totals.faultsByKind, kind);
      }
      journal.record(ctx, outcome, durationMs, now());
    },

    onTokenIssued(event) {
      totals.tokensIssued++;
      state.issuer(event.issuer).tokensIssued++;
      bump(totals.tokensByGrant, event.grant);
      bump(totals.tokensByAlg, event.alg);
      bump(totals.tokensByShape, event.shape);
      bump(totals.tokensByIssuerGrantAlg, `${event.issuer}\u0000${event.grant}\u0000${event.alg}`);
    },

    onUnknownKidIssued(event) {
      const issuer = state.issuer(event.issuer);
      totals.unknownKidTokens++;
      issuer.unknownKidTokens++;
      issuer.unknownKidGen++;
      issuer.lastUnknownKidAt = now();
    },

    onEvent(event) {
      hub.publish(event);
    },

    reset() {
      state.reset();
      journal.clear();
      resetAt = now();
      hub.publish({ type: 'stats.reset' });
    },

    mark(name) {
      const at = now();
      state.openMark({ name, at, perfAt: performance.now(), base: counterTree(state) });
      const info = { name, at: new Date(at).toISOString() };
      hub.publish({ type: 'mark', detail: info });
      return info;
    },

    marks() {
      return state.marks.map((m) => ({ name: m.name, at: new Date(m.at).toISOString() }));
    },

    stats(opts = {}) {
      const markIndex = markIndexOrThrow(opts.since);
      const mark = markIndex === undefined ? undefined : state.marks[markIndex];
      return buildStats(state, {
        ...(mark === undefined ? {} : { mark }),
        ...(markIndex === undefined ? {} : { markIndex }),
        ...(opts.client === undefined ? {} : { client: opts.client }),
        now: now(),
        perfNow: performance.now(),
        resetAt,
      });
    },

    journal: (limit) => journal.entries(limit),
    events: (after, limit) => hub.recent(after, limit),
    eventStream: (req, res) => hub.serve(req, res),
    routes: () => measurementRoutes(measurements, journal.capacity),
    metricsText: () => registry.metrics(),
    contentType: registry.contentType,
    close: () => hub.close(),
  };
  return measurements;
}
