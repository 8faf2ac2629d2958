/**
 * The admin-plane listener: one router mounting every area's AdminRoute list, bearer auth on
 * everything but `GET /health` and `GET /metrics`, JSON in and out, and errors that name the
 * bad field. A malformed request is a 4xx, never a crash.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminInputError, AdminNotFoundError, type AdminResult, type AdminRoute } from '../contracts.ts';
import { readJsonBody } from '../../src/util/json-body.ts';
import { parseRequestTarget } from '../../src/util/request-target.ts';

export const MAX_ADMIN_BODY_BYTES = 1024 * 1024;

interface CompiledRoute {
  route: AdminRoute;
  segments: string[];
}

export interface AdminRouterOptions {
  token: string;
  routes: AdminRoute[];
  /** Prometheus text for `GET /metrics` (no auth: scrapers rarely carry tokens). */
  metrics: () => Promise<{ contentType: string; text: string }>;
  /** Serves `GET /events` with `Accept: text/event-stream` (Server-Sent Events, kept open). */
  eventStream?: (req: IncomingMessage, res: ServerResponse) => void;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (status === 204 || body === undefined) {
    res.writeHead(status === 200 ? 204 : status, headers);
    res.end();
    return;
  }
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(data.length),
    ...headers,
  });
  res.end(data);
}

function sendUnauthorized(res: ServerResponse): void {
  send(
    res,
    401,
    { error: 'unauthorized', message: 'authorization: send "Bearer <admin token>"' },
    { 'www-authenticate': 'Bearer' },
  );
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function match(compiled: CompiledRoute, segments: string[]): Record<string, string> | undefined {
  if (compiled.segments.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const pattern = compiled.segments[i] as string;
    const value = segments[i] as string;
    if (pattern.startsWith(':')) {
      try {
        params[pattern.slice(1)] = decodeURIComponent(value);
      } catch {
        throw new AdminInputError([{ path: pattern.slice(1), message: 'is not valid percent-encoding' }]);
      }
    } else if (pattern !== value) {
      return undefined;
    }
  }
  return params;
}

function authorized(header: string | undefined, expected: Buffer): boolean {
  if (header === undefined || header.slice(0, 7).toLowerCase() !== 'bearer ') return false;
  const given = Buffer.from(header.slice(7).trim());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The body as JSON; a refused body becomes the admin plane's 413 / 400 with path `(body)`. */
function readJson(req: IncomingMessage): Promise<unknown> {
  return readJsonBody(req, MAX_ADMIN_BODY_BYTES, (problem) =>
    problem.kind === 'too-large'
      ? new AdminInputError([{ path: '(body)', message: `larger than ${problem.limitBytes} bytes` }], 413)
      : new AdminInputError([{ path: '(body)', message: `not valid JSON: ${problem.message}` }]),
  );
}

export function createAdminListener(
  options: AdminRouterOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const expected = Buffer.from(options.token);
  const compiled: CompiledRoute[] = options.routes.map((route) => ({
    route,
    segments: split(route.pattern),
  }));

  const dispatch = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const target = parseRequestTarget(req.url ?? '/');
    if (target === undefined) {
      // Nothing to route on; say so only to a caller who holds the token.
      req.resume();
      if (!authorized(req.headers.authorization, expected)) sendUnauthorized(res);
      else send(res, 400, { error: 'invalid_request', message: 'malformed request target' });
      return;
    }
    const url = { pathname: target.path, searchParams: new URLSearchParams(target.query) };
    if (method === 'GET' && url.pathname === '/health') {
      send(res, 200, { ok: true });
      return;
    }
    if (method === 'GET' && url.pathname === '/metrics') {
      const { contentType, text } = await options.metrics();
      res.writeHead(200, { 'content-type': contentType });
      res.end(text);
      return;
    }
    if (!authorized(req.headers.authorization, expected)) {
      req.resume();
      sendUnauthorized(res);
      return;
    }
    if (
      method === 'GET' &&
      url.pathname === '/events' &&
      options.eventStream !== undefined &&
      (req.headers.accept ?? '').includes('text/event-stream')
    ) {
      options.eventStream(req, res);
      return;
    }
    const segments = split(url.pathname);
    let allowed: string[] = [];
    for (const entry of compiled) {
      const params = match(entry, segments);
      if (params === undefined) continue;
      if (entry.route.method !== method) {
        allowed.push(entry.route.method);
        continue;
      }
      const body = await readJson(req);
      const result: AdminResult = await entry.route.handle({ params, query: url.searchParams, body });
      send(res, result.status, result.body);
      return;
    }
    req.resume();
    allowed = [...new Set(allowed)];
    if (allowed.length > 0) {
      send(
        res,
        405,
        { error: 'method_not_allowed', message: `${method} ${url.pathname}: use ${allowed.join(', ')}` },
        { allow: allowed.join(', ') },
      );
      return;
    }
    send(res, 404, { error: 'not_found', message: `no admin route ${method} ${url.pathname}` });
  };

  return (req, res) => {
    dispatch(req, res).catch((error: unknown) => {
      req.resume();
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof AdminInputError)
        send(res, error.status, { error: 'invalid_request', problems: error.problems });
      else if (error instanceof AdminNotFoundError)
        send(res, 404, { error: 'not_found', message: error.message });
      else
        send(res, 500, {
          error: 'internal',
          message: error instanceof Error ? error.message : String(error),
        });
    });
  };
}
