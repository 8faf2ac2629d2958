/**
 * The Toxiproxy 2.12 HTTP API as a plain request handler over a ProxyCollection: routing, JSON
 * in and out, Toxiproxy's statuses and error shape. The server module only owns listen/close.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequestBody } from './api-error.ts';
import { METRICS_CONTENT_TYPE, renderMetrics } from './metrics.ts';
import type { ProxyCollection } from './proxy-collection.ts';
import { readJsonBody } from '../util/json-body.ts';

/** The Toxiproxy version whose API this server speaks. */
export const TOXIPROXY_VERSION = '2.12.0';

/** Request bodies above this are refused (413): proxy and toxic definitions are tiny. */
const MAX_BODY_BYTES = 1 << 20;

interface Reply {
  status: number;
  json?: unknown;
  text?: string;
  contentType?: string;
}

/** `params` are the decoded path segments captured by the route; `body` parses the JSON body. */
type Handler = (params: string[], body: () => Promise<unknown>) => Reply | Promise<Reply>;

interface Route {
  pattern: RegExp;
  methods: Partial<Record<string, Handler>>;
}

const ok = (json: unknown, status = 200): Reply => ({ status, json });
const NO_CONTENT: Reply = { status: 204 };

function routesFor(collection: ProxyCollection): Route[] {
  const updateProxy: Handler = async ([name = ''], body) =>
    ok((await collection.update(name, await body())).toJSON());
  const updateToxic: Handler = async ([name = '', toxic = ''], body) =>
    ok(collection.get(name).toxics.update(toxic, await body()));
  return [
    {
      pattern: /^\/reset$/,
      methods: {
        POST: async () => {
          await collection.reset();
          return NO_CONTENT;
        },
      },
    },
    {
      pattern: /^\/proxies$/,
      methods: {
        GET: () => ok(Object.fromEntries(collection.all().map((p) => [p.name, p.toJSON()]))),
        POST: async (_params, body) => ok((await collection.create(await body())).toJSON(), 201),
      },
    },
    {
      pattern: /^\/populate$/,
      methods: {
        POST: async (_params, body) =>
          ok({ proxies: (await collection.populate(await body())).map((p) => p.toJSON()) }, 201),
      },
    },
    {
      pattern: /^\/proxies\/([^/]+)$/,
      methods: {
        GET: ([name = '']) => ok(collection.get(name).toJSON()),
        POST: updateProxy,
        PATCH: updateProxy,
        DELETE: async ([name = '']) => {
          await collection.remove(name);
          return NO_CONTENT;
        },
      },
    },
    {
      pattern: /^\/proxies\/([^/]+)\/toxics$/,
      methods: {
        GET: ([name = '']) => ok(collection.get(name).toxics.list()),
        POST: async ([name = ''], body) => {
          const proxy = collection.get(name);
          return ok(proxy.toxics.add(await body()));
        },
      },
    },
    {
      pattern: /^\/proxies\/([^/]+)\/toxics\/([^/]+)$/,
      methods: {
        GET: ([name = '', toxic = '']) => ok(collection.get(name).toxics.get(toxic)),
        POST: updateToxic,
        PATCH: updateToxic,
        DELETE: ([name = '', toxic = '']) => {
          collection.get(name).toxics.remove(toxic);
          return NO_CONTENT;
        },
      },
    },
    {
      pattern: /^\/version$/,
      methods: {
        GET: () => ({
          status: 200,
          text: `{"version": "${TOXIPROXY_VERSION}"}\n`,
          contentType: 'application/json;charset=utf-8',
        }),
      },
    },
    {
      pattern: /^\/metrics$/,
      methods: {
        GET: () => ({
          status: 200,
          text: renderMetrics(collection.all()),
          contentType: METRICS_CONTENT_TYPE,
        }),
      },
    },
  ];
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError(`malformed path segment ${JSON.stringify(segment)}`, 400);
  }
}

/** The body as JSON (empty: `undefined`); a refused body becomes Toxiproxy's 413 / 400. */
function readJson(request: IncomingMessage): Promise<unknown> {
  return readJsonBody(request, MAX_BODY_BYTES, (problem) =>
    problem.kind === 'too-large'
      ? new ApiError(`request body larger than ${problem.limitBytes} bytes`, 413)
      : badRequestBody(problem.message),
  );
}

function requestId(): string {
  return randomBytes(10).toString('hex');
}

function send(response: ServerResponse, reply: Reply): void {
  if (response.headersSent || response.destroyed) return;
  if (reply.status === 204) {
    response.writeHead(204).end();
    return;
  }
  const body = reply.text ?? `${JSON.stringify(reply.json)}\n`;
  response.writeHead(reply.status, {
    'Content-Type': reply.contentType ?? 'application/json',
    'Content-Length': Buffer.byteLength(body),
  });
  response.end(body);
}

function errorReply(error: unknown): Reply {
  if (error instanceof ApiError) return { status: error.status, json: error.toJSON() };
  const message = error instanceof Error ? error.message : String(error);
  return { status: 500, json: { error: message, status: 500 } };
}

/** Builds the `(request, response)` handler of the Toxiproxy API. It never throws. */
export function createApiHandler(
  collection: ProxyCollection,
): (req: IncomingMessage, res: ServerResponse) => void {
  const routes = routesFor(collection);
  const handle = async (request: IncomingMessage): Promise<Reply> => {
    if ((request.headers['user-agent'] ?? '').startsWith('Mozilla/')) {
      return { status: 403, json: { error: 'User agent not allowed', status: 403 } };
    }
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const route = routes.find((r) => r.pattern.test(path));
    if (route === undefined) return { status: 404, json: { error: 'not found', status: 404 } };
    const method = request.method ?? 'GET';
    const handler = route.methods[method];
    if (handler === undefined) {
      return { status: 405, json: { error: `method ${method} not allowed on ${path}`, status: 405 } };
    }
    const params = (route.pattern.exec(path) ?? []).slice(1).map((s) => decodeSegment(s ?? ''));
    return handler(params, () => readJson(request));
  };
  return (request, response) => {
    response.setHeader('X-Toxiproxy-Request-Id', requestId());
    handle(request).then(
      (reply) => send(response, reply),
      (error: unknown) => send(response, errorReply(error)),
    );
  };
}
