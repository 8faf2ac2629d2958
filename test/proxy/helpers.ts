/**
 * Real loopback servers for the proxy tests: a TCP echo server, an HTTP server, a client that
 * measures echo round trips, and a raw HTTP caller for the Toxiproxy API.
 */
import { createServer as createHttpServer, type RequestListener, type Server as HttpServer } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Closable {
  port: number;
  close(): Promise<void>;
}

function track(server: Server | HttpServer): () => Promise<void> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
}

async function listen(server: Server | HttpServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('no address');
  return address.port;
}

/** Echoes every byte back; counts connections it accepted and those still open. */
export async function startEchoServer(): Promise<
  Closable & { connections: () => number; open: () => number }
> {
  let connections = 0;
  let open = 0;
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    connections++;
    open++;
    socket.on('close', () => open--);
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  const close = track(server);
  return { port: await listen(server), close, connections: () => connections, open: () => open };
}

export async function startHttpServer(handler: RequestListener): Promise<Closable> {
  const server = createHttpServer({ keepAliveTimeout: 30_000 }, handler);
  const close = track(server);
  return { port: await listen(server), close };
}

/** Splits a Toxiproxy `listen` value into host and port. */
export function hostPort(listen: string): { host: string; port: number } {
  const index = listen.lastIndexOf(':');
  return { host: listen.slice(0, index).replace(/^\[|\]$/g, ''), port: Number(listen.slice(index + 1)) };
}

/** Opens a TCP connection to a proxy listener. */
export function connectTo(listen: string): Promise<Socket> {
  const { host, port } = hostPort(listen);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true }, () => {
      socket.removeListener('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/**
 * A client over one socket that collects everything it receives, so a test can wait for "the
 * next N bytes" and check that nothing was lost or reordered.
 */
export class EchoClient {
  private received = Buffer.alloc(0);
  private waiters: { size: number; resolve: (data: Buffer) => void }[] = [];
  closed = false;
  error: Error | undefined;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.check();
    });
    socket.on('error', (error) => (this.error = error));
    socket.on('close', () => (this.closed = true));
  }

  static async open(listen: string): Promise<EchoClient> {
    return new EchoClient(await connectTo(listen));
  }

  /** Everything received so far. */
  get all(): Buffer {
    return this.received;
  }

  /** Resolves once `size` bytes in total were received. */
  until(size: number): Promise<Buffer> {
    return new Promise((resolve) => {
      this.waiters.push({ size, resolve });
      this.check();
    });
  }

  /** Sends `payload` and resolves with the milliseconds until all of it came back. */
  async roundTrip(payload: string | Buffer): Promise<number> {
    const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const target = this.received.length + data.length;
    const started = performance.now();
    this.socket.write(data);
    await this.until(target);
    return performance.now() - started;
  }

  close(): void {
    this.socket.destroy();
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      if (this.received.length < w.size) return true;
      w.resolve(this.received);
      return false;
    });
  }
}

/** Resolves with `value` after `ms`, or rejects with a message if `promise` takes longer. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
    }),
  ]);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface ApiReply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** Calls the Toxiproxy API with fetch and parses whatever JSON comes back. */
export async function api(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiReply> {
  const init: RequestInit = { method, headers: { 'user-agent': 'keystorm-test', ...headers } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const response = await fetch(`${base}${path}`, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}
