/**
 * The embedded Toxiproxy-compatible server: the HTTP API plus every proxy it creates. Drive it
 * with toxiproxy-node-client (or src/faults/) exactly as a real Toxiproxy 2.12.
 */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { createApiHandler } from './api.ts';
import { formatHostPort } from './address.ts';
import { ProxyCollection } from './proxy-collection.ts';

export interface ToxiproxyServerOptions {
  /** Interface of the API and the default for proxy listeners. Default 127.0.0.1. */
  host?: string;
  /** API port. Default 8474 (Toxiproxy's); tests use 0. */
  port?: number;
  /** Seed of every toxicity draw, jitter and slice size (reproducible runs). Default: random. */
  seed?: number;
}

export interface ToxiproxyServer {
  /** `http://127.0.0.1:PORT`, no trailing slash: pass it to `new Toxiproxy(url)`. */
  url: string;
  port: number;
  /** The seed in use (drawn at start when none was given), so a run can be reproduced. */
  seed: number;
  /** Stops the API, every proxy listener and every live connection. */
  close(): Promise<void>;
}

/** Starts the API server; resolves once it listens. Rejects (e.g. EADDRINUSE) without leaking. */
export async function startToxiproxyServer(options: ToxiproxyServerOptions = {}): Promise<ToxiproxyServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8474;
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  const collection = new ProxyCollection(host, seed);
  const server: Server = createServer({ keepAliveTimeout: 60_000 }, createApiHandler(collection));
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const boundPort = address !== null && typeof address === 'object' ? address.port : port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${formatHostPort(host, boundPort)}`,
    port: boundPort,
    seed,
    close: () => {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await collection.closeAll();
        await stopped;
      })();
      return closing;
    },
  };
}
