/**
 * Real loopback HTTP servers for the load-engine tests: they record when each request arrived
 * and how many were being handled at once, and answer after a delay the test chooses.
 */
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestServer {
  url: string;
  /** performance.now() at each request's arrival, in arrival order. */
  arrivals: number[];
  /** The most requests handled at the same time. */
  maxConcurrent: number;
  close(): Promise<void>;
}

/**
 * Starts a server on 127.0.0.1:0. `respond` gets the request number (0-based) and must end
 * the response (or not, to simulate a hang).
 */
export async function startTestServer(
  respond: (req: IncomingMessage, res: ServerResponse, n: number) => void = (_req, res) => res.end('ok'),
): Promise<TestServer> {
  let concurrent = 0;
  const state: TestServer = { url: '', arrivals: [], maxConcurrent: 0, close: async () => {} };
  const server = http.createServer((req, res) => {
    const n = state.arrivals.length;
    state.arrivals.push(performance.now());
    concurrent++;
    if (concurrent > state.maxConcurrent) state.maxConcurrent = concurrent;
    res.once('close', () => concurrent--);
    req.resume();
    respond(req, res, n);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** Answers `status` after `ms` milliseconds. */
export function after(ms: number, status = 200): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    const timer = setTimeout(() => {
      res.statusCode = status;
      res.end('ok');
    }, ms);
    res.once('close', () => clearTimeout(timer));
  };
}
