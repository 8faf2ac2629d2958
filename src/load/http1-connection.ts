/**
 * One connection slot of an `http:` origin: a plain keep-alive `net.Socket`, one request on the
 * wire at a time, the response read by our own parser (http1-parser.ts) and its body dropped.
 *
 * Why not undici here: measured on loopback with 10 keep-alive connections, undici's
 * per-request machinery cost the engine ~16–21 µs of client CPU per request, where a raw socket
 * loop costs ~12 µs and autocannon (raw sockets, a JS parser, pre-built request bytes) ~15–17 µs.
 *
 * The socket is opened on the first request and again after the server closes it. A close seen
 * while idle only means the next request reconnects; a connection that dies after a request was
 * written fails that request as `reset` and is never retried (a load generator must not send a
 * request twice).
 */
import net from 'node:net';
import type { Socket } from 'node:net';
import type { Flight } from './http-client.ts';
import { classifyError } from './http-errors.ts';
import { COMPLETE, MORE, ResponseParser } from './http1-parser.ts';
import { encodeRequest } from './http1-request.ts';
import type { ReportEnd, SlotConnection } from './lane.ts';
import type { ErrorClass } from './types.ts';

/** Where an `http:` connection goes, and how long it may take. */
export interface Http1Target {
  /** Host to connect to (an IP or a name; IPv6 without brackets). */
  host: string;
  port: number;
  /** Value of the `host` header (`host:port`). */
  hostHeader: string;
  /** Bound on the TCP connect (the lane's sweep bounds the whole request). */
  connectTimeoutMs: number;
  /** An idle socket older than this is closed by the sweep. */
  keepAliveTimeoutMs: number;
}

/** A keep-alive HTTP/1.1 connection carrying one request at a time for one lane slot. */
export class Http1Connection<F extends Flight> implements SlotConnection<F> {
  private socket: Socket | undefined;
  private flight: F | undefined;
  private readonly parser = new ResponseParser();
  /** When the last request on this socket was sent (the socket has been idle since its end). */
  private lastSentAt = 0;

  constructor(
    private readonly target: Http1Target,
    private readonly report: ReportEnd<F>,
  ) {}

  /** Writes the request in one socket write; an unsendable request fails as `other`. */
  send(flight: F): void {
    this.flight = flight;
    this.lastSentAt = flight.sentAt;
    const request = encodeRequest(
      flight.method,
      flight.path,
      flight.headers,
      flight.body,
      this.target.hostHeader,
    );
    if (request === undefined) {
      queueMicrotask(() => this.end(flight, 0, 'other'));
      return;
    }
    this.parser.start(flight.method === 'HEAD');
    const socket = this.socket ?? this.connect();
    if (typeof request === 'string') socket.write(request, 'latin1');
    else socket.write(request);
  }

  timeout(flight: F): void {
    if (this.flight !== flight) return;
    this.drop();
    this.end(flight, 0, 'timeout');
  }

  sweepIdle(now: number): void {
    if (this.socket !== undefined && now - this.lastSentAt >= this.target.keepAliveTimeoutMs) this.drop();
  }

  close(): Promise<void> {
    const closed = this.closed();
    this.drop();
    return closed;
  }

  destroy(): Promise<void> {
    const closed = this.closed();
    this.drop();
    const flight = this.flight;
    if (flight !== undefined) this.end(flight, 0, 'aborted');
    return closed;
  }

  private connect(): Socket {
    const socket = net.connect({ host: this.target.host, port: this.target.port });
    socket.setNoDelay(true);
    this.socket = socket;
    const connectTimer = setTimeout(() => {
      if (this.socket === socket && socket.connecting) this.fail(socket, 'timeout');
    }, this.target.connectTimeoutMs);
    socket.once('connect', () => clearTimeout(connectTimer));
    socket.on('data', (chunk: Buffer) => this.onData(socket, chunk));
    socket.on('end', () => this.onEnd(socket));
    // Every socket keeps an error listener to the end: an unheard 'error' would crash the run.
    socket.on('error', (error) => this.fail(socket, classifyError(error)));
    socket.once('close', () => {
      clearTimeout(connectTimer);
      this.onEnd(socket);
    });
    return socket;
  }

  private onData(socket: Socket, chunk: Buffer): void {
    if (this.socket !== socket) return;
    const flight = this.flight;
    if (flight === undefined) {
      // Bytes nobody asked for: the connection is out of step; do not reuse it.
      this.drop();
      return;
    }
    const result = this.parser.feed(chunk);
    if (result === MORE) return;
    // Dropped before reporting: the report may hand this slot its next request at once.
    if (result !== COMPLETE || !this.parser.keepAlive) this.drop();
    if (result === COMPLETE) this.end(flight, this.parser.status, undefined);
    else this.end(flight, 0, 'other');
  }

  /** The server closed (FIN or close): completes a body read until close, else fails as reset. */
  private onEnd(socket: Socket): void {
    if (this.socket !== socket) return;
    this.drop();
    const flight = this.flight;
    if (flight === undefined) return;
    if (this.parser.end()) this.end(flight, this.parser.status, undefined);
    else this.end(flight, 0, 'reset');
  }

  private fail(socket: Socket, error: ErrorClass): void {
    if (this.socket !== socket) return;
    this.drop();
    const flight = this.flight;
    if (flight !== undefined) this.end(flight, 0, error);
  }

  /** Detaches and destroys the current socket (an idle one closes with a plain FIN). */
  private drop(): void {
    const socket = this.socket;
    if (socket === undefined) return;
    this.socket = undefined;
    socket.destroy();
  }

  /** Resolves when the current socket (if any) has closed. */
  private closed(): Promise<void> {
    const socket = this.socket;
    if (socket === undefined || socket.closed) return Promise.resolve();
    return new Promise<void>((resolve) => socket.once('close', () => resolve()));
  }

  private end(flight: F, status: number, error: ErrorClass | undefined): void {
    if (this.flight !== flight) return;
    this.flight = undefined;
    this.report(flight, status, error);
  }
}
