/**
 * The gateway's HTTP server: `/health`, `/ready`, `/metrics` and the protected routes. Builds
 * the parts (outbound pool → key source → key cache → verifier) from one GatewayConfig.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRandom } from '../../src/util/random.ts';
import type { GatewayConfig } from './config.ts';
import { createKeyCache, type KeyCache } from './key-cache/index.ts';
import { KeySource } from './key-source.ts';
import { createLogger, type Logger } from './log.ts';
import { createMetrics, initialiseSeries, type GatewayMetrics } from './metrics.ts';
import { Outbound } from './outbound.ts';
import { loadPageConfig, type PageConfig } from './page/config.ts';
import { createPageRoutes } from './page/routes.ts';
import { PROTECTED_ROUTES, checkHeaders, grantedScopes, type ProtectedRoute } from './routes.ts';
import { TokenVerifier } from './verify.ts';

export interface RunningGateway {
  readonly url: string;
  readonly metrics: GatewayMetrics;
  readonly cache: KeyCache;
  /** Stops accepting, lets requests in flight finish (bounded), closes the outbound pool. */
  close(): Promise<void>;
}

export interface GatewayDeps {
  readonly log?: Logger;
  readonly now?: () => number;
  /** The demo page's options (`/app/`); default: loadPageConfig with no variables set. */
  readonly page?: PageConfig;
}

type Json = Record<string, unknown>;

function send(res: ServerResponse, status: number, body: Json, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export async function startGateway(config: GatewayConfig, deps: GatewayDeps = {}): Promise<RunningGateway> {
  const log = deps.log ?? createLogger();
  const now = deps.now ?? Date.now;
  const metrics = createMetrics();
  initialiseSeries(
    metrics,
    config.providers.map((p) => p.name),
    PROTECTED_ROUTES.map((r) => r.path),
  );
  const outbound = new Outbound({
    poolSize: config.poolSize,
    clientId: config.clientId,
    maxBytes: config.maxJwksBytes,
    metrics,
  });
  const hardened = config.keyCache === 'hardened';
  const source = new KeySource({
    outbound,
    log,
    fetchTimeoutMs: config.fetchTimeoutMs,
    discoveryTtlMs: hardened ? config.discoveryTtlMs : 0,
    strict: hardened,
    now,
  });
  const cache = createKeyCache(config.keyCache, {
    config,
    source,
    metrics,
    log,
    random: createRandom(config.seed),
    now,
  });
  const verifier = new TokenVerifier(config, cache);
  const routes = new Map(PROTECTED_ROUTES.map((r) => [r.path, r]));
  const page = createPageRoutes(deps.page ?? loadPageConfig(config.providers, {}), {
    verify: (token) => verifier.verify(token),
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<string> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/health') {
      send(res, 200, { status: 'ok' });
      return path;
    }
    if (path === '/ready') {
      const providers = await cache.readiness(config.verifyTimeoutMs);
      const ready = providers.every((p) => p.ready);
      for (const p of providers)
        metrics.readinessChecks.inc({ provider: p.provider, ready: String(p.ready) });
      if (!ready) log.warn('readiness failed', { cloud_connector_ready: false, providers });
      send(res, ready ? 200 : 503, { ready, key_cache: cache.strategy, providers });
      return path;
    }
    if (path === '/metrics') {
      const text = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(text);
      return path;
    }
    if (await page.handle(path, req, res)) return 'page';
    const route = routes.get(path);
    if (route === undefined) {
      send(res, 404, { error: 'not_found', detail: `no route ${path}` });
      return 'other';
    }
    if (!route.methods.includes(req.method ?? '')) {
      send(
        res,
        405,
        { error: 'method_not_allowed', detail: `${req.method} ${path}` },
        { allow: route.methods.join(', ') },
      );
      return path;
    }
    await serveProtected(route, req, res);
    return path;
  };

  const serveProtected = async (
    route: ProtectedRoute,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> => {
    const auth = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (match?.[1] === undefined) {
      metrics.verifications.inc({ result: 'missing_token' });
      send(
        res,
        401,
        unauthorized('missing_token', 'no Bearer token in Authorization'),
        bearer('missing_token'),
      );
      return;
    }
    const verdict = await verifier.verify(match[1]);
    if (!verdict.ok) {
      if (verdict.status === 503) {
        metrics.verifications.inc({ result: 'keys_unavailable' });
        const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
        send(
          res,
          503,
          {
            error: 'keys_unavailable',
            detail: 'Signing keys unavailable, retry later',
            message: verdict.detail,
            retry_after_seconds: seconds,
          },
          { 'retry-after': String(seconds) },
        );
        return;
      }
      metrics.verifications.inc({ result: verdict.reason });
      send(res, 401, unauthorized(verdict.reason, verdict.detail), bearer(verdict.reason));
      return;
    }
    metrics.verifications.inc({ result: 'ok' });
    const { payload, provider } = verdict;
    if (route.checkHeaders) {
      const problem = checkHeaders(config.headerClaims, req.headers, payload);
      if (problem !== undefined) {
        const detail =
          problem.kind === 'missing'
            ? `Header is missing: '${problem.header}'`
            : `Header mismatch '${problem.header}'`;
        send(res, 401, { error: 'unauthorized', detail, reason: `header_${problem.kind}` });
        return;
      }
    }
    if (route.feature !== undefined && !grantedScopes(payload).has(route.feature)) {
      send(res, 403, {
        error: 'forbidden',
        detail: `Unauthorized to access ${route.feature}`,
        reason: 'missing_scope',
      });
      return;
    }
    send(res, 200, {
      ok: true,
      feature: route.feature ?? null,
      oidc_provider: provider.name,
      sub: payload.sub ?? null,
    });
  };

  const server = createServer((req, res) => {
    const started = performance.now();
    req.resume(); // bodies are not used; drain them so keep-alive works
    handle(req, res)
      .catch((error: unknown) => {
        log.error('request failed', { error: error instanceof Error ? error.message : String(error) });
        send(res, 500, { error: 'internal', detail: 'internal error' });
        return 'other';
      })
      .then((label) => {
        const status = String(res.statusCode);
        metrics.httpRequests.inc({ path: label, status });
        metrics.httpDuration.observe({ path: label, status }, (performance.now() - started) / 1000);
        if (config.accessLog) {
          log.info('request', {
            method: req.method,
            path: label,
            status: res.statusCode,
            ms: Math.round(performance.now() - started),
          });
        }
      })
      .catch(() => undefined);
  });
  server.keepAliveTimeout = 5000;
  server.on('clientError', (_error, socket) => {
    if (socket.writable)
      socket.end(
        'HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"error":"bad_request"}',
      );
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  cache.start();
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    metrics,
    cache,
    close: () => {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), 3000);
        await closed;
        clearTimeout(force);
        cache.close();
        await outbound.close();
      })();
      return closing;
    },
  };
}

function unauthorized(reason: string, message: string): Json {
  // The seed's payload is "Forbidden by auth provider"; the reason says which check failed.
  return { error: 'unauthorized', detail: 'Forbidden by auth provider', reason, message };
}

function bearer(reason: string): Record<string, string> {
  return { 'www-authenticate': `Bearer error="invalid_token", error_description="${reason}"` };
}
