/**
 * The transport for `https:` origins (allow-listed remote hosts may be https): one undici
 * `Client` per connection slot, no pipelining. `http:` origins use our own leaner HTTP/1.1
 * connection (http1-connection.ts); TLS is where undici still earns its keep.
 *
 * Requests are dispatched with a handler object instead of `client.request()`: no response
 * stream is created, which roughly doubles throughput on a small machine. undici's own
 * headers/body timeouts are off: the lane's sweep enforces the request timeout (undici arms
 * those on coarse timers whose objects outlived many young-generation GCs and got promoted;
 * measured: +17 MB of old-generation heap per 300k requests).
 */
import { createRequire } from 'node:module';
import type * as Undici from 'undici';
import type { Client, Dispatcher } from 'undici';
import type { Flight } from './http-client.ts';
import { classifyError } from './http-errors.ts';
import type { ReportEnd, SlotConnection } from './lane.ts';

/**
 * undici is loaded on the first `https:` origin, not at start-up: a run against `http:` targets
 * (the common case) never needs it, and loading it costs several MB of RSS.
 */
let undici: typeof Undici | undefined;
function loadUndici(): typeof Undici {
  undici ??= createRequire(import.meta.url)('undici') as typeof Undici;
  return undici;
}

/** One lane slot backed by an undici `Client` (connects lazily, on its first request). */
export class UndiciConnection<F extends Flight> implements SlotConnection<F> {
  private readonly client: Client;
  private handler: FlightHandler<F> | undefined;

  /**
   * @param origin `https://host:port`
   * @param connectTimeoutMs bound on connecting (TCP and TLS)
   * @param keepAliveTimeoutMs how long an idle connection is kept
   */
  constructor(
    origin: string,
    connectTimeoutMs: number,
    keepAliveTimeoutMs: number,
    private readonly report: ReportEnd<F>,
  ) {
    this.client = new (loadUndici().Client)(origin, {
      pipelining: 1,
      keepAliveTimeout: keepAliveTimeoutMs,
      keepAliveMaxTimeout: keepAliveTimeoutMs,
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: { timeout: connectTimeoutMs },
    });
  }

  send(flight: F): void {
    const handler = new FlightHandler(flight, this.report);
    this.handler = handler;
    try {
      this.client.dispatch(
        {
          path: flight.path,
          method: flight.method,
          headers: flight.headers ?? null,
          body: flight.body ?? null,
        },
        handler,
      );
    } catch (error) {
      // Reported later, never from inside send (the lane's contract).
      queueMicrotask(() => handler.fail(error));
    }
  }

  timeout(flight: F): void {
    if (this.handler?.flight === flight) this.handler.timeout();
  }

  sweepIdle(): void {
    // undici expires idle connections itself (keepAliveTimeout).
  }

  close(): Promise<void> {
    return this.client.close();
  }

  destroy(): Promise<void> {
    return this.client.destroy();
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
    readonly flight: F,
    private readonly report: ReportEnd<F>,
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
    this.report(this.flight, this.status, undefined);
  }

  onError(error: Error): void {
    this.fail(error);
  }

  fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.report(this.flight, 0, this.timedOut ? 'timeout' : classifyError(error));
  }
}
