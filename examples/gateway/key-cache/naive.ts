/**
 * The naive key cache: the JWT Pizza Factory gateway before its incident. Every cache miss
 * (unknown kid, expired TTL, cold start) fetches the provider's JWKS itself — no coalescing, no
 * backoff, no stale-if-error, rediscovery on every fetch, a generous fetch deadline — so a burst
 * of misses under JWKS latency fans out into parallel fetches that queue on the small outbound
 * pool, and a request that gives up waiting is answered 401 as if its token were bad.
 *
 * Failure modes it shows on purpose: FM1–FM8, FM12, FM13 (via FM7/FM8), FM14–FM16, FM18–FM21.
 */
import type { KeyCacheStrategy, ProviderConfig } from '../config.ts';
import { findKey, type CachedKey, type KeySet } from '../keyset.ts';
import { logIncomplete } from '../key-source.ts';
import { createLogLimiter } from '../log.ts';
import {
  createMissRecorder,
  describe,
  withDeadline,
  type KeyCache,
  type KeyCacheContext,
  type KeyLookup,
  type ProviderReadiness,
} from './types.ts';

interface Entry {
  readonly set: KeySet;
  readonly expiresAt: number;
}

export class NaiveKeyCache implements KeyCache {
  readonly strategy: KeyCacheStrategy = 'naive';
  private readonly ctx: KeyCacheContext;
  private readonly entries = new Map<string, Entry>();
  private readonly recordMiss: ReturnType<typeof createMissRecorder>;
  private readonly failureLogLimit = createLogLimiter(5);
  private closed = false;

  constructor(ctx: KeyCacheContext) {
    this.ctx = ctx;
    this.recordMiss = createMissRecorder(ctx);
  }

  async lookup(provider: ProviderConfig, kid: string | undefined, deadlineMs: number): Promise<KeyLookup> {
    const now = this.ctx.now();
    const entry = this.entries.get(provider.name);
    if (entry !== undefined && now < entry.expiresAt) {
      const key = findKey(entry.set, kid);
      if (key !== undefined) {
        this.ctx.metrics.cacheHits.inc({ provider: provider.name });
        return { kind: 'key', key };
      }
    }
    const reason = entry === undefined ? 'cold' : now >= entry.expiresAt ? 'expired' : 'unknown_kid';
    this.ctx.metrics.cacheMisses.inc({ provider: provider.name, reason });
    // The fetch keeps running after the deadline, still holding a pooled connection.
    const result = await withDeadline(this.fetchAndFind(provider, kid), deadlineMs, () => ({
      kind: 'reject' as const,
      reason: 'verification_timeout' as const,
      detail: `no key for kid ${String(kid)} within ${deadlineMs}ms`,
    }));
    this.recordMiss(provider.name, kid, reason, now, result.kind);
    return result;
  }

  recheck(): Promise<KeyLookup | undefined> {
    return Promise.resolve(undefined);
  }

  async readiness(deadlineMs: number): Promise<readonly ProviderReadiness[]> {
    return Promise.all(
      this.ctx.config.providers.map(async (provider): Promise<ProviderReadiness> => {
        let entry = this.entries.get(provider.name);
        let error: string | undefined;
        if (entry === undefined) {
          const result = await withDeadline(this.fetchAndFind(provider, undefined), deadlineMs, () => ({
            kind: 'reject' as const,
            reason: 'verification_timeout' as const,
            detail: `no key set within ${deadlineMs}ms`,
          }));
          entry = this.entries.get(provider.name);
          if (entry === undefined && result.kind === 'reject') error = result.detail;
        }
        return {
          provider: provider.name,
          ready: entry !== undefined,
          keys: entry?.set.all.length ?? 0,
          ...(error === undefined ? {} : { error }),
        };
      }),
    );
  }

  start(): void {
    // Naive: nothing until the first request misses.
  }

  close(): void {
    this.closed = true;
    this.entries.clear();
  }

  private async fetchAndFind(provider: ProviderConfig, kid: string | undefined): Promise<KeyLookup> {
    try {
      const { set } = await this.ctx.source.fetch(provider);
      this.entries.set(provider.name, { set, expiresAt: this.ctx.now() + this.ctx.config.ttlMs });
      this.ctx.metrics.cacheSize.set({ provider: provider.name }, set.all.length);
      const key: CachedKey | undefined = findKey(set, kid);
      if (key !== undefined) return { kind: 'key', key };
      return {
        kind: 'reject',
        reason: 'unknown_kid',
        detail: `kid ${String(kid)} is not in the key set of ${provider.name}`,
      };
    } catch (error) {
      // No old cache to fall back to, by design; and the outage becomes a 401 (FM18).
      this.ctx.metrics.incompleteCached.inc({ provider: provider.name });
      if (!this.closed && this.failureLogLimit(provider.name).allowed)
        logIncomplete(this.ctx.log, provider.name, error);
      return { kind: 'reject', reason: 'keys_unavailable', detail: `key fetch failed: ${describe(error)}` };
    }
  }
}
