/**
 * Outbound HTTP for discovery and JWKS: one undici Agent whose per-origin pool holds at most
 * GATEWAY_POOL_SIZE connections (the pizza-factory incident's `size=8`), a total deadline per
 * fetch that also covers the body (so a slow drip cannot outlive it), a body-size limit, and
 * the replica's identity at the provider.
 */
import { Agent, request } from 'undici';
import type { GatewayMetrics } from './metrics.ts';

/** Why a fetch failed; `status` carries the provider's Retry-After when it sent one. */
export type FetchFailureKind = 'timeout' | 'network' | 'status' | 'too_large' | 'implausible';

export class FetchError extends Error {
  readonly kind: FetchFailureKind;
  readonly retryAfterMs: number | undefined;
  constructor(kind: FetchFailureKind, message: string, retryAfterMs?: number) {
    super(message);
    this.name = 'FetchError';
    this.kind = kind;
    this.retryAfterMs = retryAfterMs;
  }
}

export interface FetchedJson<T = unknown> {
  /** The body as returned by the caller's parse step (the JSON itself without one). */
  readonly json: T;
  /** Seconds from Cache-Control max-age, when the provider sent one. */
  readonly maxAgeSeconds: number | undefined;
}

export interface OutboundOptions {
  readonly poolSize: number;
  readonly clientId: string | undefined;
  readonly maxBytes: number;
  readonly metrics: GatewayMetrics;
}

/** Header (besides the URL prefix) that names the replica at mock-idp. */
const CLIENT_HEADER = 'x-keystorm-client';
/** URL prefix segment that names the replica at mock-idp (mock-idp/contracts.ts CLIENT_PREFIX). */
const CLIENT_PREFIX = '_c';

/**
 * Inserts `/_c/<clientId>` after the origin of url, unless the URL already carries it
 * (a discovery document served under the prefix advertises prefixed URLs).
 */
export function withClientPrefix(url: string, clientId: string | undefined): string {
  if (clientId === undefined) return url;
  const parsed = new URL(url);
  const prefix = `/${CLIENT_PREFIX}/${encodeURIComponent(clientId)}`;
  if (parsed.pathname === prefix || parsed.pathname.startsWith(`${prefix}/`)) return url;
  parsed.pathname = `${prefix}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  return parsed.toString();
}

function parseMaxAge(cacheControl: string | string[] | undefined): number | undefined {
  const text = Array.isArray(cacheControl) ? cacheControl.join(',') : (cacheControl ?? '');
  if (/\b(no-store|no-cache)\b/i.test(text)) return 0;
  const m = /\bmax-age=(\d+)/i.exec(text);
  return m === null ? undefined : Number(m[1]);
}

function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

export class Outbound {
  private readonly agent: Agent;
  private readonly options: OutboundOptions;

  constructor(options: OutboundOptions) {
    this.options = options;
    this.agent = new Agent({ connections: options.poolSize, pipelining: 1 });
  }

  /**
   * GETs url (after adding the client prefix) and parses the JSON body. Throws FetchError.
   * Redirects are not followed: a JWKS that moves is a configuration change, not a fetch detail.
   * `parse` validates the JSON inside the measured fetch, so an implausible body is counted as
   * such in `jwks_fetch_total{outcome}`.
   */
  async getJson<T = unknown>(
    url: string,
    what: { provider: string; kind: 'jwks' | 'discovery'; timeoutMs: number },
    parse: (json: unknown) => T | Promise<T> = (json) => json as T,
  ): Promise<FetchedJson<T>> {
    const { metrics, clientId, maxBytes } = this.options;
    const target = withClientPrefix(url, clientId);
    const started = performance.now();
    const labels = { provider: what.provider, kind: what.kind };
    metrics.inflight.inc({ provider: what.provider });
    let outcome: string = 'ok';
    try {
      const signal = AbortSignal.timeout(what.timeoutMs);
      const res = await request(target, {
        method: 'GET',
        dispatcher: this.agent,
        signal,
        headers: {
          accept: 'application/json',
          ...(clientId === undefined ? {} : { [CLIENT_HEADER]: clientId }),
        },
      }).catch((error: unknown) => {
        throw this.toFetchError(error, signal, what.timeoutMs);
      });
      if (res.statusCode !== 200) {
        await res.body.dump().catch(() => undefined);
        throw new FetchError(
          'status',
          `${what.kind} ${target} answered ${res.statusCode}`,
          parseRetryAfter(res.headers['retry-after']),
        );
      }
      const contentType = String(res.headers['content-type'] ?? '');
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of res.body as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > maxBytes) {
            res.body.destroy();
            throw new FetchError('too_large', `${what.kind} ${target} body exceeds ${maxBytes} bytes`);
          }
          chunks.push(chunk);
        }
      } catch (error) {
        if (error instanceof FetchError) throw error;
        throw this.toFetchError(error, signal, what.timeoutMs);
      }
      const text = Buffer.concat(chunks).toString('utf8');
      if (/html/i.test(contentType) || /^\s*</.test(text)) {
        throw new FetchError('implausible', `${what.kind} ${target} returned HTML, not JSON`);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new FetchError(
          'implausible',
          `${what.kind} ${target} returned a body that is not JSON (${size} bytes)`,
        );
      }
      return { json: await parse(json), maxAgeSeconds: parseMaxAge(res.headers['cache-control']) };
    } catch (error) {
      outcome = error instanceof FetchError ? error.kind : 'network';
      throw error;
    } finally {
      metrics.inflight.dec({ provider: what.provider });
      metrics.fetches.inc({ ...labels, outcome });
      metrics.fetchDuration.observe({ ...labels, outcome }, (performance.now() - started) / 1000);
    }
  }

  private toFetchError(error: unknown, signal: AbortSignal, timeoutMs: number): FetchError {
    if (signal.aborted) return new FetchError('timeout', `fetch exceeded its ${timeoutMs}ms deadline`);
    const message = error instanceof Error ? `${error.message}` : String(error);
    const code = (error as { code?: unknown } | null)?.code;
    return new FetchError('network', typeof code === 'string' ? `${code}: ${message}` : message);
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }
}
