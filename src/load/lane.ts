/**
 * One origin's share of the HTTP client: a FIFO of waiting flights in front of a fixed set of
 * connection slots, each carrying at most one request at a time. A flight leaves the FIFO only
 * when a slot is idle, so that moment is when it goes on the wire (`sentAt`: the uncorrected
 * latency starts there; the wait before it counts as start lag).
 *
 * The lane owns the guarantees the engine relies on, whatever carries the bytes (our own
 * HTTP/1.1 connection for `http:`, undici for `https:`): exactly one end per flight (a late or
 * second report is ignored), the timeout sweep over the requests on the wire, and an orderly
 * close and destroy.
 */
import type { Flight } from './http-client.ts';
import type { ErrorClass } from './types.ts';

/** How a slot's transport reports that its flight ended (status 0 with an error class on failure). */
export type ReportEnd<F extends Flight> = (flight: F, status: number, error: ErrorClass | undefined) => void;

/**
 * The transport behind one connection slot. `send` is only called while the slot is idle, and
 * every flight it is given must be reported exactly once through the `ReportEnd` it was built
 * with — never from inside `send` itself (defer a synchronous failure to a microtask).
 */
export interface SlotConnection<F extends Flight> {
  /** Puts the flight on the wire (connecting first when needed). */
  send(flight: F): void;
  /** The flight has been on the wire too long: abort it and report it as `timeout`. */
  timeout(flight: F): void;
  /** Called by the sweep while the slot is idle: drop a connection idle for too long. */
  sweepIdle(now: number): void;
  /** Ends the connection; only called while the slot is idle. */
  close(): Promise<void>;
  /** Aborts the request on the wire (reported as `aborted`) and ends the connection. */
  destroy(): Promise<void>;
}

/** Builds slot `index`'s transport, which reports through `report`. */
export type ConnectionFactory<F extends Flight> = (index: number, report: ReportEnd<F>) => SlotConnection<F>;

/** One origin: its connection slots, the idle ones, and the flights waiting for one. */
export class Lane<F extends Flight> {
  private readonly connections: SlotConnection<F>[] = [];
  /** Indexes of the slots with no request on the wire (a stack: the last one freed goes first). */
  private readonly idle: number[] = [];
  /** The flight on the wire per slot; a slot, not a Set: no churn. */
  private readonly onWire: (F | undefined)[] = [];
  private queue: (F | undefined)[] = [];
  private head = 0;
  /** No new dispatch after destroy; close lets the queue drain first. */
  private destroyed = false;
  /** `close()` calls waiting for every slot to be idle and the queue empty. */
  private idleWaiters: (() => void)[] = [];

  /**
   * @param origin the lane's key (`protocol://host:port`)
   * @param onDone told once per flight, after its slot has moved on to the next flight
   * @param onSent told when a flight leaves the queue and goes on the wire
   */
  constructor(
    readonly origin: string,
    connections: number,
    connect: ConnectionFactory<F>,
    private readonly onDone: ReportEnd<F>,
    private readonly onSent: ((flight: F) => void) | undefined,
  ) {
    for (let i = 0; i < connections; i++) {
      this.connections.push(connect(i, (flight, status, error) => this.finish(i, flight, status, error)));
      this.onWire.push(undefined);
      this.idle.push(i);
    }
  }

  /** Flights waiting for a slot. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  /** Sends the flight on an idle slot, or queues it for the next one freed. */
  enqueue(flight: F): void {
    const slot = this.idle.pop();
    if (slot !== undefined) this.dispatch(slot, flight);
    else this.queue.push(flight);
  }

  /** Takes every queued flight out (the caller ends them; used when the run is torn down). */
  drainQueue(): F[] {
    const left: F[] = [];
    for (let f = this.shift(); f !== undefined; f = this.shift()) left.push(f);
    return left;
  }

  /** Waits for the queue and the requests on the wire to finish, then closes every connection. */
  async close(): Promise<void> {
    if (!this.allIdle()) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await Promise.all(this.connections.map((c) => c.close()));
  }

  /** Aborts the requests on the wire (queued flights must have been drained first). */
  async destroy(): Promise<void> {
    this.destroyed = true;
    await Promise.all(this.connections.map((c) => c.destroy()));
  }

  /** Times out the requests on the wire for `timeoutMs` or longer; lets idle connections expire. */
  sweep(now: number, timeoutMs: number): void {
    for (let slot = 0; slot < this.onWire.length; slot++) {
      const flight = this.onWire[slot];
      if (flight === undefined) this.connections[slot]?.sweepIdle(now);
      else if (now - flight.sentAt >= timeoutMs) this.connections[slot]?.timeout(flight);
    }
  }

  private allIdle(): boolean {
    return this.idle.length === this.connections.length && this.waiting === 0;
  }

  private dispatch(slot: number, flight: F): void {
    flight.sentAt = performance.now();
    this.onSent?.(flight);
    this.onWire[slot] = flight;
    this.connections[slot]?.send(flight);
  }

  /** Slot `slot` reports `flight` ended: move the slot on, then tell the engine (once). */
  private finish(slot: number, flight: F, status: number, error: ErrorClass | undefined): void {
    if (this.onWire[slot] !== flight) return;
    this.onWire[slot] = undefined;
    const next = this.destroyed ? undefined : this.shift();
    if (next === undefined) {
      this.idle.push(slot);
      if (this.idleWaiters.length > 0 && this.allIdle()) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const resolve of waiters) resolve();
      }
    } else this.dispatch(slot, next);
    this.onDone(flight, status, error);
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
}
