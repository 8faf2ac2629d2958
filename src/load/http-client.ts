/**
 * The HTTP side of the engine: per origin a lane (lane.ts) — a FIFO of waiting requests in
 * front of `connections` keep-alive connections carrying one request each, no pipelining. A
 * request leaves the FIFO only when a connection is idle, so that moment is when it goes on the
 * wire: the "actual send time" the uncorrected latency is measured from, while the time spent
 * waiting for a connection counts as start lag.
 *
 * What carries the bytes depends on the origin: `http:` goes through our own lean HTTP/1.1
 * connection (http1-connection.ts: a plain socket and a byte-scanning parser, because undici's
 * per-request machinery was most of the client CPU per request on loopback), `https:` through
 * undici (undici-lane.ts). Both keep the same contract, enforced by the lane.
 *
 * The per-request timeout is enforced here, by a sweep over the (at most `connections`)
 * requests on the wire rather than a timer per request: timers armed per request outlive many
 * young-generation GCs and get promoted (measured with undici's timers: +17 MB of heap per
 * 300k requests). The sweep also gives the simpler meaning "total time from send to the end of
 * the response".
 */
import { assertTargetAllowed } from '../util/loopback.ts';
import { Http1Connection } from './http1-connection.ts';
import { Lane } from './lane.ts';
import type { ConnectionFactory } from './lane.ts';
import type { ErrorClass } from './types.ts';
import { UndiciConnection } from './undici-lane.ts';

/** A request travelling through the client; the engine subclasses nothing, it just fills it in. */
export interface Flight {
  method: string;
  path: string;
  headers: Record<string, string> | undefined;
  body: string | Uint8Array | undefined;
  /** performance.now() when the request left the slot queue (set by the client); -1 until then. */
  sentAt: number;
}

/** Called exactly once per flight: with the status, or with status 0 and an error class. */
export type FlightDone<F extends Flight> = (flight: F, status: number, error: ErrorClass | undefined) => void;

export interface HttpClientOptions {
  /** Connections per origin (also the most requests on the wire per origin). */
  connections: number;
  /** Per-request timeout: total time from send to the end of the response (connects too). */
  timeoutMs: number;
  /** Hosts allowed besides loopback (see src/util/loopback.ts). */
  allowHosts?: readonly string[];
  /** How long idle keep-alive connections are kept (default 30 s). */
  keepAliveTimeoutMs?: number;
}

export { classifyError } from './http-errors.ts';

/**
 * Pooled HTTP client for the load engine. `send()` never throws for a request problem; every
 * flight ends in exactly one `onDone` call.
 */
export class HttpClient<F extends Flight> {
  private readonly lanes = new Map<string, Lane<F>>();
  private readonly defaultLane: Lane<F>;
  private readonly allowHosts: readonly string[];
  private closed = false;
  private readonly sweeper: NodeJS.Timeout;

  /**
   * @param target base URL every relative path is resolved against; must pass the loopback guard
   * @param onDone called once per flight when it ends
   */
  constructor(
    target: string | URL,
    private readonly options: HttpClientOptions,
    readonly onDone: FlightDone<F>,
    /** Called when a flight leaves the slot queue and goes on the wire. */
    readonly onSent?: (flight: F) => void,
  ) {
    if (!Number.isInteger(options.connections) || options.connections < 1) {
      throw new TypeError(`connections: ${String(options.connections)} must be a positive integer`);
    }
    if (!(options.timeoutMs > 0)) throw new TypeError(`timeout: ${String(options.timeoutMs)} must be > 0`);
    this.allowHosts = options.allowHosts ?? [];
    const url = assertTargetAllowed(target, this.allowHosts);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`target: ${url.href} must be an http(s) URL`);
    }
    this.basePath = url.pathname.replace(/\/$/, '');
    this.defaultLane = this.lane(url.origin);
    // Checked every 1/20 of the timeout (5–250 ms): a timeout fires at most 5 % late.
    const every = Math.min(250, Math.max(5, options.timeoutMs / 20));
    this.sweeper = setInterval(() => {
      const now = performance.now();
      for (const lane of this.lanes.values()) lane.sweep(now, options.timeoutMs);
    }, every);
    this.sweeper.unref();
  }

  /** Path prefix of the target URL (`http://h/api` → `/api`), prepended to relative paths. */
  readonly basePath: string;

  /** Requests currently waiting for a connection slot, over all origins. */
  get waiting(): number {
    let n = 0;
    for (const lane of this.lanes.values()) n += lane.waiting;
    return n;
  }

  /**
   * Resolves where a request goes: a relative path goes to the target; an absolute URL to
   * its own origin's pool (checked against the loopback guard once per origin).
   * @returns the lane key to pass to `send`, plus the path to request
   */
  route(pathOrUrl: string): { origin: string | undefined; path: string } {
    if (pathOrUrl.startsWith('/')) return { origin: undefined, path: this.basePath + pathOrUrl };
    if (pathOrUrl === '') return { origin: undefined, path: this.basePath || '/' };
    const url = new URL(pathOrUrl);
    if (!this.lanes.has(url.origin)) {
      assertTargetAllowed(url, this.allowHosts);
      this.lane(url.origin);
    }
    return {
      origin: url.origin === this.defaultLane.origin ? undefined : url.origin,
      path: url.pathname + url.search,
    };
  }

  /** Queues a flight for a connection slot; it is dispatched as soon as one is free. */
  send(flight: F, origin?: string): void {
    if (this.closed) {
      this.onDone(flight, 0, 'aborted');
      return;
    }
    const lane = origin === undefined ? this.defaultLane : this.lanes.get(origin);
    if (lane === undefined) {
      this.onDone(flight, 0, 'other');
      return;
    }
    lane.enqueue(flight);
  }

  /**
   * Lets the queued and on-the-wire requests finish (the timeout still applies), then closes
   * every connection. New flights sent meanwhile end as `aborted`.
   */
  async close(): Promise<void> {
    this.closed = true;
    try {
      await Promise.all([...this.lanes.values()].map((lane) => lane.close()));
    } finally {
      clearInterval(this.sweeper);
    }
  }

  /** Aborts everything: queued and on-the-wire flights end as `aborted`, connections close. */
  async destroy(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const lane of this.lanes.values()) {
      for (const flight of lane.drainQueue()) this.onDone(flight, 0, 'aborted');
    }
    await Promise.all([...this.lanes.values()].map((lane) => lane.destroy()));
  }

  private lane(origin: string): Lane<F> {
    let lane = this.lanes.get(origin);
    if (lane === undefined) {
      lane = new Lane<F>(origin, this.options.connections, this.transport(origin), this.onDone, this.onSent);
      this.lanes.set(origin, lane);
    }
    return lane;
  }

  /** `http:` origins get our lean HTTP/1.1 connection, `https:` ones undici. */
  private transport(origin: string): ConnectionFactory<F> {
    const timeoutMs = this.options.timeoutMs;
    const keepAliveTimeoutMs = this.options.keepAliveTimeoutMs ?? 30_000;
    const url = new URL(origin);
    if (url.protocol === 'https:') {
      return (_index, report) => new UndiciConnection<F>(origin, timeoutMs, keepAliveTimeoutMs, report);
    }
    const target = {
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port === '' ? 80 : Number(url.port),
      hostHeader: url.host,
      connectTimeoutMs: timeoutMs,
      keepAliveTimeoutMs,
    };
    return (_index, report) => new Http1Connection<F>(target, report);
  }
}
