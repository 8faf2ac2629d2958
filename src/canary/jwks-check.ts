/**
 * A diagnostic for a 401 on valid traffic: is the token's `kid` in the IdP's published JWKS?
 * "Not published" points at the provider (signing before publishing, a revoked key still in
 * use); "published" points at the gateway's key cache. The JWKS is fetched at most once per
 * `minIntervalMs`, and only when such a failure happens, so a healthy canary never fetches it.
 */
import { withDeadline } from '../util/deadline.ts';
import { isLoopbackHost } from '../util/loopback.ts';
import type { RateCap } from './rate-cap.ts';

export interface JwksCheckOptions {
  jwksUri: string;
  allowHosts: readonly string[];
  cap: RateCap;
  signal: AbortSignal;
  timeoutMs: number;
  minIntervalMs: number;
}

export class JwksCheck {
  private kids: Set<string> | undefined;
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | undefined;
  private lastError: string | undefined;

  constructor(private readonly o: JwksCheckOptions) {}

  /** A sentence about `kid` for a failure's detail, or undefined when nothing can be said. */
  async describe(kid: string | undefined): Promise<string | undefined> {
    if (kid === undefined) return undefined;
    const host = new URL(this.o.jwksUri).hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (!isLoopbackHost(host) && !this.o.allowHosts.some((h) => h.toLowerCase() === host)) {
      return `kid ${kid} not checked: the JWKS host ${host} is not in allowHosts`;
    }
    if (performance.now() - this.fetchedAt >= this.o.minIntervalMs) {
      this.inFlight ??= this.refresh().finally(() => (this.inFlight = undefined));
      await this.inFlight;
    }
    if (this.kids === undefined) return `kid ${kid} not checked: ${this.lastError ?? 'no JWKS'}`;
    return this.kids.has(kid)
      ? `kid ${kid} is published in the IdP's JWKS`
      : `kid ${kid} is NOT in the IdP's JWKS (${this.kids.size} keys published)`;
  }

  private async refresh(): Promise<void> {
    this.fetchedAt = performance.now();
    try {
      await this.o.cap.take(this.o.signal);
      const body = await withDeadline(this.o.timeoutMs, this.o.signal, async (signal) => {
        const response = await fetch(this.o.jwksUri, { headers: { accept: 'application/json' }, signal });
        if (!response.ok) throw new Error(`GET ${this.o.jwksUri}: HTTP ${response.status}`);
        return (await response.json()) as { keys?: { kid?: unknown }[] };
      });
      if (!Array.isArray(body.keys)) throw new Error(`GET ${this.o.jwksUri}: no keys array`);
      this.kids = new Set(body.keys.flatMap((k) => (typeof k.kid === 'string' ? [k.kid] : [])));
    } catch (error) {
      this.lastError = (error as Error).message;
    }
  }
}

/** The `kid` of a compact JWS header, or undefined. */
export function kidOf(token: string): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as {
      kid?: unknown;
    };
    return typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}
