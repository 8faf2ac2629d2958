/**
 * The HTTP side of the engine: per origin, one undici `Client` per connection (keep-alive, no
 * pipelining), fed through a FIFO of waiting requests. A request is handed to a client only
 * when that client is idle, so the moment it leaves the FIFO is the moment it goes on the
 * wire: that is the "actual send time" the uncorrected latency is measured from, while the
 * time spent waiting for a connection counts as start lag.
 *
 * Why Clients and not an undici `Pool`: the pool would only re-do what the FIFO already does
 * (pick an idle client, queue the rest), and that second layer cost ~0.6 µs per request in a
 * bare dispatch loop and ~1.4 µs inside the engine, out of ~11 µs of client CPU per request on
 * loopback (bench/load-throughput.ts).
 *
 * Requests are dispatched with a handler object instead of `client.request()`: no response
 * stream is created, which roughly doubles throughput on a small machine.
 *
 * The per-request timeout is enforced here, by a sweep over the (at most `connections`)
 * requests on the wire, rather than by undici's headersTimeout/bodyTimeout: undici arms those
 * on its coarse "fast timers", whose timer objects outlive many young-generation GCs and get
 * promoted, so at tens of thousands of requests per second the old generation filled with
 * dead timers (measured: +17 MB of heap per 300k requests, and higher peak RSS). The sweep
 * also gives the simpler meaning "total time from send to the end of the response".
 */
import { Client } from 'undici';
import type { Dispatcher } from 'undici';
import { assertTargetAllowed } from '../util/loopback.ts';
import type { ErrorClass } from './types.ts';

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
  /** Connections per origin (one undici Client each; also the most requests on the wire). */
  connections: number;
  /** Per-request timeout: total time from send to the end of the response (connects too). */
  timeoutMs: number;
  /** Hosts allowed besides loopback (see src/util/loopback.ts). */
  allowHosts?: readonly string[];
  /** How long idle keep-alive connections are kept (default 30 s). */
  keepAliveTimeoutMs?: number;
}

/** Maps an undici/Node error to the small set of error classes the results report. */
export function classifyError(error: unknown): ErrorClass {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return 'reset';
    case 'ECONNREFUSED':
      return 'refused';
    case 'UND_ERR_DESTROYED':
    case 'UND_ERR_ABORTED':
    case 'UND_ERR_CLOSED':
    case 'ABORT_ERR':
      return 'aborted';
    default:
      return (error as { name?: unknown } | null)?.name === 'AbortError' ? 'aborted' : 'other';
  }
}

/** One origin: its clients (one per connection), the idle ones, and the flights waiting for one. */
class Lane<F extends Flight> {
  private readonly clients: Client[] = [];
  /** Indexes of the clients with no request on the wire (a stack: the last one freed goes first). */
  private readonly idle: number[] = [];
  /** The request on the wire per client (for the timeout sweep); a slot, not a Set: no churn. */
  private readonly onWire: (FlightHandler<F> | undefined)[] = [];
  private queue: (F | undefined)[] = [];
  private head = 0;

  constructor(
    readonly origin: string,
    private readonly client: HttpClient<F>,
    connections: number,
    timeoutMs: number,
    keepAliveTimeoutMs: number,
  ) {
    for (let i = 0; i < connections; i++) {
      // undici connects lazily, on a client's first request.
      const client = new Client(origin, {
        pipelining: 1,
        keepAliveTimeout: keepAliveTimeoutMs,
        keepAliveMaxTimeout: keepAliveTimeoutMs,
        // Disabled: the lane's sweep enforces the timeout (see the file comment).
        headersTimeout: 0,
        bodyTimeout: 0,
        connect: { timeout: timeoutMs },
      });
      this.clients.push(client);
      this.onWire.push(undefined);
      this.idle.push(i);
    }
  }

  get waiting(): number {
    return this.queue.length - this.head;
  }

  enqueue(flight: F): void {
    const slot = this.idle.pop();
    if (slot !== undefined) this.dispatch(slot, flight);
    else this.queue.push(flight);
  }

  /** The flight on client `slot` finished: give it the oldest waiting flight, or mark it idle. */
  private release(slot: number): void {
    this.onWire[slot] = undefined;
    const next = this.shift();
    if (next === undefined) this.idle.push(slot);
    else this.dispatch(slot, next);
  }

  /** Fails every queued flight (used when the run is torn down). */
  drainQueue(): F[] {
    const left: F[] = [];
    for (let f = this.shift(); f !== undefined; f = this.shift()) left.push(f);
    return left;
  }

  close(): Promise<unknown> {
    return Promise.all(this.clients.map((c) => c.close()));
  }

  destroy(): Promise<unknown> {
    return Promise.all(this.clients.map((c) => c.destroy()));
  }

  private shift(): F | undefined {
    if (this.head >= this.queue.length) return undefined;
    const flight = this.queue[this.head];
    this.queue[this.head] = undefined;
    this.head++;
    // Compact once the consumed prefix dominates, so the array never grows without bound.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return flight;
  }

  private dispatch(slot: number, flight: F): void {
    flight.sentAt = performance.now();
    this.client.onSent?.(flight);
    const handler = new FlightHandler(this, slot, flight);
    this.onWire[slot] = handler;
    try {
      const client = this.clients[slot];
      if (client === undefined) throw new Error(`no connection ${slot}`);
      client.dispatch(
        {
          path: flight.path,
          method: flight.method,
          headers: flight.headers ?? null,
          body: flight.body ?? null,
        },
        handler,
      );
    } catch (error) {
      handler.fail(error);
    }
  }

  /** Aborts the requests that have been on the wire for `timeoutMs` or longer. */
  sweep(now: number, timeoutMs: number): void {
    for (const handler of this.onWire) {
      if (handler !== undefined && now - handler.flight.sentAt >= timeoutMs) handler.timeout();
    }
  }

  finish(handler: FlightHandler<F>, status: number, error: ErrorClass | undefined): void {
    this.release(handler.slot);
    this.client.onDone(handler.flight, status, error);
  }
}

/**
 * undici's handler for one flight: remembers the status, ignores the body. It implements the
 * core (pre-controller) handler protocol on purpose: undici 7 speaks it natively, whereas a
 * handler with the newer `onRequestStart`/`onResponseStart` methods gets wrapped in an adapter
 * that parses every response's headers into an object — two allocations per request that a
 * load generator only turns into garbage (measured: ~10 % throughput, less heap churn).
 */
class FlightHandler<F extends Flight> implements Dispatcher.DispatchHandler {
  private status = 0;
  private settled = false;
  private timedOut = false;
  private abort: ((error?: Error) => void) | undefined;

  constructor(
    private readonly lane: Lane<F>,
    /** Index of the client (connection) it runs on. */
    readonly slot: number,
    readonly flight: F,
  ) {}

  onConnect(abort: (error?: Error) => void): void {
    this.abort = abort;
  }

  /** Called by the sweep: ends the request as a timeout and aborts it in undici. */
  timeout(): void {
    if (this.settled) return;
    this.timedOut = true;
    if (this.abort !== undefined) this.abort(new Error('request timed out'));
    // Still waiting for a connection inside undici: settle now; undici's own connect
    // timeout (same length) ends the attempt, and its late callbacks are ignored.
    else this.fail(undefined);
  }

  onHeaders(statusCode: number): boolean {
    // 1xx informational responses come first; the final status overwrites them.
    this.status = statusCode;
    return true;
  }

  onData(): boolean {
    return true;
  }

  onComplete(): void {
    if (this.settled) return;
    this.settled = true;
    this.lane.finish(this, this.status, undefined);
  }

  onError(error: Error): void {
    this.fail(error);
  }

  fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.lane.finish(this, 0, this.timedOut ? 'timeout' : classifyError(error));
  }
}

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

  /** Closes every connection after its in-flight request finishes. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    await Promise.all([...this.lanes.values()].map((lane) => lane.close()));
  }

  /** Aborts everything: queued flights end as `aborted`, in-flight requests are destroyed. */
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
      lane = new Lane<F>(
        origin,
        this,
        this.options.connections,
        this.options.timeoutMs,
        this.options.keepAliveTimeoutMs ?? 30_000,
      );
      this.lanes.set(origin, lane);
    }
    return lane;
  }
}
