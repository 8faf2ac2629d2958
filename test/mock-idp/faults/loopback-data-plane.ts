/**
 * A minimal data plane for testing the fault plan and the measurement hooks on real sockets
 * before (and independently of) the full mock-idp server: it routes `/_c/{client}/{issuer}/…`
 * the way the contracts describe, builds a RequestContext and runs begin → deliver → end.
 */
import { request as httpRequest, createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ANONYMOUS_CLIENT, CLIENT_HEADER, CLIENT_PREFIX } from '../../../mock-idp/contracts.ts';
import type {
  DeliveryOutcome,
  Endpoint,
  FaultDelivery,
  MeasurementHooks,
  PreparedResponse,
  RequestContext,
} from '../../../mock-idp/contracts.ts';

export const JWKS_BODY = Buffer.from(
  JSON.stringify({
    keys: [
      {
        kty: 'EC',
        crv: 'P-256',
        kid: 'k1',
        x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
        y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
      },
    ],
  }),
);

const ENDPOINT_BY_PATH: Record<string, Endpoint> = {
  '.well-known/openid-configuration': 'discovery',
  jwks: 'jwks',
  token: 'token',
  authorize: 'authorize',
  userinfo: 'userinfo',
};

export interface DataPlane {
  url: string;
  server: Server;
  outcomes: DeliveryOutcome[];
  close(): Promise<void>;
}

export async function startDataPlane(options: {
  plan?: FaultDelivery;
  hooks?: MeasurementHooks;
  /** Extra time spent producing each response (simulates work). */
  produceDelayMs?: number;
  /** Makes every produce() reject (a handler bug) to check deliver never throws. */
  produceFails?: boolean;
}): Promise<DataPlane> {
  let nextId = 1;
  const outcomes: DeliveryOutcome[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let segments = url.pathname.split('/').filter((s) => s !== '');
    let clientId = (req.headers[CLIENT_HEADER] as string | undefined) ?? ANONYMOUS_CLIENT;
    if (segments[0] === CLIENT_PREFIX && segments[1] !== undefined) {
      clientId = segments[1];
      segments = segments.slice(2);
    }
    const issuer = segments[0] ?? '';
    const endpoint = ENDPOINT_BY_PATH[segments.slice(1).join('/')];
    if (endpoint === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
      return;
    }
    const ctx: RequestContext = {
      id: nextId++,
      issuer,
      endpoint,
      clientId,
      method: req.method ?? 'GET',
      path: `/${segments.join('/')}${url.search}`,
      remoteAddress: req.socket.remoteAddress ?? '',
      socket: req.socket,
      startedAt: performance.now(),
      headers: req.headers,
    };
    const produce = async (): Promise<PreparedResponse> => {
      if (options.produceDelayMs !== undefined)
        await new Promise((r) => setTimeout(r, options.produceDelayMs));
      if (options.produceFails === true) throw new Error('handler bug');
      const body = endpoint === 'jwks' ? JWKS_BODY : Buffer.from(JSON.stringify({ issuer, endpoint }));
      return { status: 200, headers: { 'content-type': 'application/json' }, body };
    };
    options.hooks?.begin(ctx);
    const delivered: Promise<DeliveryOutcome> = options.plan
      ? options.plan.deliver(ctx, res, produce)
      : produce().then((p) => {
          res.writeHead(p.status, { ...p.headers, 'content-length': p.body.length }).end(p.body);
          return { status: p.status, faults: [] };
        });
    void delivered.then((outcome) => {
      outcomes.push(outcome);
      options.hooks?.end(ctx, outcome);
    });
  });
  server.on('connection', (socket) => options.hooks?.onConnection(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    outcomes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface GetResult {
  status?: number;
  headers?: IncomingHttpHeaders;
  body: Buffer;
  /** Error code when the exchange failed (ECONNRESET, ETIMEDOUT …). */
  error?: string;
  elapsedMs: number;
}

/** One GET on a fresh connection (no pooling), with a client-side deadline. */
export function httpGet(
  url: string,
  options: { timeoutMs?: number; headers?: Record<string, string> } = {},
): Promise<GetResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let status: number | undefined;
    let headers: IncomingHttpHeaders | undefined;
    let settled = false;
    const done = (error?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const result: GetResult = { body: Buffer.concat(chunks), elapsedMs: performance.now() - started };
      if (status !== undefined) result.status = status;
      if (headers !== undefined) result.headers = headers;
      if (error !== undefined) result.error = error;
      resolve(result);
    };
    const req = httpRequest(url, { agent: false, headers: options.headers ?? {} }, (res) => {
      status = res.statusCode;
      headers = res.headers;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done());
      res.on('aborted', () => done('ABORTED'));
      res.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    });
    const timer = setTimeout(() => {
      req.destroy();
      done('ETIMEDOUT');
    }, options.timeoutMs ?? 10_000);
    req.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    req.end();
  });
}
