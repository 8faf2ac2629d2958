/**
 * The demo page under `/app/`: static files (the page and its script), the browser's view of
 * the configuration, and two protected APIs the page calls with its access token — `ask`
 * (the answer) and `follow-up` (the job after it). Both verify the token like every protected
 * route of the gateway: during a JWKS outage they fail the way the gateway's cache decides.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Verdict } from '../verify.ts';
import type { PageConfig } from './config.ts';
import { FollowUpError, FollowUpJobs } from './follow-up.ts';

export interface PageDeps {
  readonly verify: (token: string) => Promise<Verdict>;
}

export interface PageRoutes {
  /** Answers a request under `/app`; false when the path is not the page's. */
  handle(path: string, req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

const STATIC_DIR = new URL('./static/', import.meta.url);
const readStatic = (name: string): Buffer => readFileSync(new URL(name, STATIC_DIR));

function reply(res: ServerResponse, status: number, type: string, body: Buffer | string, extra = {}): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, {
    'content-type': type,
    'content-length': bytes.length,
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(bytes);
}

const json = (res: ServerResponse, status: number, value: unknown, extra = {}): void =>
  reply(res, status, 'application/json; charset=utf-8', JSON.stringify(value), extra);

/** Builds the page's routes; static files are read once here. */
export function createPageRoutes(config: PageConfig, deps: PageDeps): PageRoutes {
  const html = readStatic('index.html');
  const script = readStatic('app.js');
  const jobs = new FollowUpJobs(config.seedBug);
  const idpOrigin = new URL(config.idpBaseUrl).origin;
  const browserConfig = JSON.stringify({
    authorizeUrl: `${config.idpBaseUrl}/authorize`,
    tokenUrl: `${config.idpBaseUrl}/token`,
    clientId: config.clientId,
    scope: config.scope,
    tokenTtlS: config.tokenTtlS,
    followUpDelayMs: config.followUpDelayMs,
    seedBug: config.seedBug,
  });
  const csp = `default-src 'self'; connect-src 'self' ${idpOrigin}; frame-ancestors 'none'`;

  /** The token's subject, or undefined after answering 401/503 like the gateway's own routes. */
  const authorize = async (req: IncomingMessage, res: ServerResponse): Promise<string | undefined> => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (match?.[1] === undefined) {
      json(res, 401, { error: 'unauthorized', detail: 'no Bearer token in Authorization' });
      return undefined;
    }
    const verdict = await deps.verify(match[1]);
    if (verdict.ok) return typeof verdict.payload.sub === 'string' ? verdict.payload.sub : 'unknown';
    if (verdict.status === 503) {
      const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
      json(
        res,
        503,
        { error: 'keys_unavailable', detail: 'Signing keys unavailable, retry later' },
        { 'retry-after': String(seconds) },
      );
    } else {
      json(res, 401, { error: 'unauthorized', detail: 'Forbidden by auth provider', reason: verdict.reason });
    }
    return undefined;
  };

  const ask = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const subject = await authorize(req, res);
    if (subject === undefined) return;
    json(res, 200, {
      answer: `Hello ${subject}: your token was verified and this is your answer.`,
      job: jobs.schedule(subject),
    });
  };

  const followUp = async (req: IncomingMessage, res: ServerResponse, query: string): Promise<void> => {
    const subject = await authorize(req, res);
    if (subject === undefined) return;
    const job = new URLSearchParams(query).get('job') ?? '';
    try {
      const analysis = jobs.run(job, subject);
      if (analysis === undefined) json(res, 404, { error: 'not_found', detail: `job: unknown ${job}` });
      else json(res, 200, { analysis });
    } catch (error) {
      if (!(error instanceof FollowUpError)) throw error;
      json(res, 500, { error: error.code, detail: error.message });
    }
  };

  return {
    async handle(path, req, res) {
      if (path !== '/app' && !path.startsWith('/app/')) return false;
      const method = req.method ?? 'GET';
      const query = (req.url ?? '').split('?')[1] ?? '';
      if (path === '/app' || path === '/app/' || path === '/app/callback') {
        reply(res, 200, 'text/html; charset=utf-8', html, { 'content-security-policy': csp });
      } else if (path === '/app/app.js') {
        reply(res, 200, 'text/javascript; charset=utf-8', script);
      } else if (path === '/app/config.json') {
        reply(res, 200, 'application/json; charset=utf-8', browserConfig);
      } else if (path === '/app/api/ask' || path === '/app/api/follow-up') {
        if (method !== 'POST')
          json(res, 405, { error: 'method_not_allowed', detail: `${method} ${path}` }, { allow: 'POST' });
        else if (path === '/app/api/ask') await ask(req, res);
        else await followUp(req, res, query);
      } else {
        json(res, 404, { error: 'not_found', detail: `no route ${path}` });
      }
      return true;
    },
  };
}
