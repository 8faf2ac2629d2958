/**
 * Real loopback servers and clients for the fault tests: an HTTP upstream, a TCP echo, a
 * server that accepts and never answers, and a raw HTTP GET that reports exactly how a
 * response ended (complete, cut short, reset, refused, hung).
 */
import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { connect, createServer as createTcpServer } from 'node:net';
import type { Server as TcpServer, Socket } from 'node:net';

export interface Started {
  port: number;
  address: string;
  close(): Promise<void>;
}

function track(server: HttpServer | TcpServer): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return sockets;
}

async function listen(server: HttpServer | TcpServer, sockets: Set<Socket>): Promise<Started> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** An HTTP server answering every request with `body` (JSON) immediately. */
export async function startHttpUpstream(body: string = JSON.stringify({ ok: true })): Promise<Started> {
  const server = createHttpServer((_req, res) => {
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
    });
    res.end(body);
  });
  return listen(server, track(server));
}

/** A TCP server that accepts connections and never sends a byte. */
export async function startSilentServer(): Promise<Started> {
  const server = createTcpServer(() => undefined);
  return listen(server, track(server));
}

export interface RawResult {
  outcome: 'complete' | 'short' | 'reset' | 'refused' | 'hung' | 'error';
  status?: number;
  body: string;
  /** Content-Length announced by the server, if any. */
  contentLength?: number;
  /** Bytes of the status line and headers (with the blank line). */
  headBytes: number;
  ms: number;
  errorCode?: string;
}

/**
 * GET `path` over a fresh connection to host:port (Connection: close) and say how it ended.
 * `hangMs` bounds the wait: a response not finished by then is `hung`.
 */
export function rawGet(address: string, path = '/', hangMs = 5000): Promise<RawResult> {
  const [host = '127.0.0.1', portText = '0'] = address.split(':');
  const started = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const socket = connect({ host, port: Number(portText) });
    const finish = (outcome: RawResult['outcome'], errorCode?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const raw = Buffer.concat(chunks);
      const text = raw.toString('utf8');
      const headEnd = raw.indexOf('\r\n\r\n');
      const split = text.indexOf('\r\n\r\n');
      const head = split === -1 ? text : text.slice(0, split);
      const body = split === -1 ? '' : text.slice(split + 4);
      const statusMatch = /^HTTP\/1\.1 (\d{3})/.exec(head);
      const lengthMatch = /\r\ncontent-length: (\d+)/i.exec(head);
      const result: RawResult = {
        outcome,
        body,
        ms: performance.now() - started,
        headBytes: headEnd === -1 ? raw.length : headEnd + 4,
      };
      if (statusMatch?.[1] !== undefined) result.status = Number(statusMatch[1]);
      if (lengthMatch?.[1] !== undefined) result.contentLength = Number(lengthMatch[1]);
      if (
        outcome === 'complete' &&
        result.contentLength !== undefined &&
        Buffer.byteLength(body) < result.contentLength
      ) {
        result.outcome = 'short';
      }
      if (errorCode !== undefined) result.errorCode = errorCode;
      resolve(result);
    };
    const timer = setTimeout(() => finish('hung'), hangMs);
    socket.on('connect', () =>
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${address}\r\nConnection: close\r\n\r\n`),
    );
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => finish('complete'));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET') finish('reset', error.code);
      else if (error.code === 'ECONNREFUSED') finish('refused', error.code);
      else finish('error', error.code);
    });
  });
}

/** Median of a list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** A loopback port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createTcpServer();
  const started = await listen(server, track(server));
  await started.close();
  return started.port;
}
