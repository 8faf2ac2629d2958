/**
 * Sockets only: the data-plane listener (route → RequestContext → measurements → faults or
 * the fast path → handler) and listen/close helpers. No protocol logic lives here.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import {
  ANONYMOUS_CLIENT,
  CLIENT_HEADER,
  CLIENT_PREFIX,
  type DeliveryOutcome,
  type FaultDelivery,
  type MeasurementHooks,
  type PreparedResponse,
  type RequestContext,
} from './contracts.ts';
import { handleData, type DataRequest } from './handler.ts';
import { jsonResponse } from './oauth/responses.ts';
import { parseRequestTarget } from '../src/util/request-target.ts';
import type { Provider } from './provider.ts';

/** Largest request body the data plane reads (token/authorize forms are tiny). */
export const MAX_DATA_BODY_BYTES = 64 * 1024;

export interface DataPlaneDeps {
  provider: Provider;
  faults: FaultDelivery;
  measure: MeasurementHooks;
}

const PREFIX = `/${CLIENT_PREFIX}/`;
const NO_FAULTS: string[] = [];
const EMPTY = Buffer.alloc(0);

function write(res: ServerResponse, response: PreparedResponse): void {
  res.writeHead(response.status, response.headers);
  res.end(response.body);
}

/** A copy a fault may alter without touching the shared, pre-built response. */
function privateCopy(response: PreparedResponse): PreparedResponse {
  return { status: response.status, headers: { ...response.headers }, body: response.body };
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve('too-large');
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** First value of a header from rawHeaders (no headers object is built), or undefined when absent/empty. */
export function rawHeader(raw: string[], lowerName: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) {
      const value = raw[i + 1];
      return value === '' ? undefined : value;
    }
  }
  return undefined;
}

/** The data-plane request listener. */
export function createDataListener(deps: DataPlaneDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { provider, faults, measure } = deps;
  let nextId = 0;

  const respond = (request: DataRequest, res: ServerResponse): void => {
    const { ctx } = request;
    if (faults.idle) {
      const result = handleData(request);
      if (result instanceof Promise) {
        result.then(
          (response) => {
            if (res.destroyed) {
              measure.end(ctx, { status: 'aborted', faults: NO_FAULTS });
              return;
            }
            write(res, response);
            measure.end(ctx, { status: response.status, faults: NO_FAULTS });
          },
          (error: unknown) => {
            // handleData turns errors into responses; this is the last line of defence.
            write(res, jsonResponse(500, { error: 'server_error', error_description: String(error) }));
            measure.end(ctx, { status: 500, faults: NO_FAULTS });
          },
        );
        return;
      }
      write(res, result);
      measure.end(ctx, { status: result.status, faults: NO_FAULTS });
      return;
    }
    const produce = async (): Promise<PreparedResponse> => privateCopy(await handleData(request));
    faults.deliver(ctx, res, produce).then(
      (outcome: DeliveryOutcome) => measure.end(ctx, outcome),
      (error: unknown) => {
        if (!res.headersSent)
          write(res, jsonResponse(500, { error: 'server_error', error_description: String(error) }));
        else res.destroy();
        measure.end(ctx, { status: 500, faults: NO_FAULTS });
      },
    );
  };

  return (req, res) => {
    const target = parseRequestTarget(req.url ?? '/');
    if (target === undefined) {
      req.resume();
      write(
        res,
        jsonResponse(400, { error: 'invalid_request', error_description: 'malformed request target' }),
      );
      return;
    }
    let path = target.path;
    let prefixClient: string | undefined;
    if (path.startsWith(PREFIX)) {
      const slash = path.indexOf('/', PREFIX.length);
      if (slash > PREFIX.length) {
        prefixClient = path.slice(PREFIX.length, slash);
        path = path.slice(slash);
      }
    }
    const route = provider.resolve(path);
    if (route === undefined) {
      write(res, jsonResponse(404, { error: 'not_found', message: `no endpoint at ${path}` }));
      return;
    }
    const headerClient = req.headers[CLIENT_HEADER];
    const method = req.method ?? 'GET';
    const ctx: RequestContext = {
      id: ++nextId,
      issuer: route.issuer.name,
      endpoint: route.endpoint,
      clientId:
        prefixClient ??
        (typeof headerClient === 'string' && headerClient !== '' ? headerClient : ANONYMOUS_CLIENT),
      method,
      path,
      remoteAddress: req.socket.remoteAddress ?? '',
      socket: req.socket,
      startedAt: performance.now(),
      headers: req.headers,
    };
    measure.begin(ctx);
    const query = target.query;
    if (method !== 'POST' && method !== 'PUT' && method !== 'PATCH') {
      respond(
        {
          ctx,
          route,
          query,
          body: EMPTY,
          prefixClient,
          ifNoneMatch: rawHeader(req.rawHeaders, 'if-none-match'),
        },
        res,
      );
      return;
    }
    readBody(req, MAX_DATA_BODY_BYTES).then(
      (body) => {
        if (body === 'too-large') {
          res.setHeader('connection', 'close');
          write(
            res,
            jsonResponse(413, {
              error: 'invalid_request',
              error_description: `body: larger than ${MAX_DATA_BODY_BYTES} bytes`,
            }),
          );
          measure.end(ctx, { status: 413, faults: NO_FAULTS });
          return;
        }
        respond({ ctx, route, query, body, prefixClient, ifNoneMatch: undefined }, res);
      },
      () => measure.end(ctx, { status: 'aborted', faults: NO_FAULTS }),
    );
  };
}

export interface TlsOptions {
  key: string;
  cert: string;
}

const BAD_REQUEST_BODY = JSON.stringify({
  error: 'invalid_request',
  error_description: 'malformed HTTP request',
});
const BAD_REQUEST = `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(BAD_REQUEST_BODY)}\r\nconnection: close\r\n\r\n${BAD_REQUEST_BODY}`;

/** Malformed HTTP (bad request line, oversized headers …) gets a JSON 400 instead of node's bare one. */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(BAD_REQUEST);
  });
}

/** An HTTP(S) server whose connections are reported to `onConnection`. */
export function createDataServer(
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  onConnection: (socket: Socket) => void,
  tls?: TlsOptions,
): Server {
  if (tls === undefined) {
    const server = createHttpServer(listener);
    server.on('connection', onConnection);
    answerClientErrors(server);
    return server;
  }
  const server = createHttpsServer({ key: tls.key, cert: tls.cert }, listener);
  // The TLS socket is the one requests see (ctx.socket), so report that one.
  server.on('secureConnection', onConnection);
  answerClientErrors(server);
  return server;
}

/** Listens and resolves with the bound port. */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/** Stops accepting, drops idle and active connections, resolves when closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
