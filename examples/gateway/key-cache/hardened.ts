/**
 * The hardened key cache: what the pizza-factory action items and the AI Gateway runbook ask
 * for. Per provider (one provider down never touches another, FM13):
 * - single flight: one fetch at a time; concurrent misses wait on it and are counted in
 *   `jwks_coalesced_requests_total` (FM1, FM3, FM4);
 * - TTL = JWKS_TTL, shortened by a provider max-age but never below JWKS_MIN_TTL (FM2, FM22),
 *   refreshed in the background ahead of expiry with jitter (FM2, FM21);
 * - stale-if-error: last-known-good keys stay usable for JWKS_STALE_GRACE past expiry while the
 *   provider fails, logged as `Old JWKS re-cached: …` (FM8), then dropped (FM9);
 * - unknown kid: one refetch per JWKS_UNKNOWN_KID_COOLDOWN (FM5, FM6, FM10, FM11);
 * - failures back off exponentially with jitter, honouring Retry-After (FM7, FM22, FM24);
 * - every fetch has a total deadline (FM14, FM15) and implausible sets are refused (FM12);
 * - no key to be had → 503 with Retry-After, never a 401 (FM17, FM18).
 */
import type { KeyCacheStrategy, ProviderConfig } from '../config.ts';
import { findKey, sameKeyMaterial, type CachedKey, type KeySet } from '../keyset.ts';
import { logIncomplete } from '../key-source.ts';
import { LOG, createLogLimiter } from '../log.ts';
import { FetchError } from '../outbound.ts';
import {
  createMissRecorder,
  describe,
  withDeadline,
  type KeyCache,
  type KeyCacheContext,
  type KeyLookup,
  type ProviderReadiness,
} from './types.ts';

interface ProviderState {
  set: KeySet | undefined;
  fetchedAt: number;
  expiresAt: number;
  /** When a request should trigger a background refresh (jittered, before expiresAt). */
  refreshAt: number;
  /** Last-known-good keys are dropped after this. */
  staleUntil: number;
  inflight: Promise<void> | undefined;
  failures: number;
  nextAttemptAt: number;
  lastError: string | undefined;
  lastUnknownKidFetchAt: number;
}

export class HardenedKeyCache implements KeyCache {
  readonly strategy: KeyCacheStrategy = 'hardened';
  private readonly ctx: KeyCacheContext;
  private readonly states = new Map<string, ProviderState>();
  private readonly recordMiss: ReturnType<typeof createMissRecorder>;
  private readonly failureLogLimit = createLogLimiter(5);
  private closed = false;

  constructor(ctx: KeyCacheContext) {
    this.ctx = ctx;
    this.recordMiss = createMissRecorder(ctx);
  }

  async lookup(provider: ProviderConfig, kid: string | undefined, deadlineMs: number): Promise<KeyLookup> {
    const { metrics } = this.ctx;
    const name = provider.name;
    const s = this.state(name);
    const now = this.ctx.now();
    this.dropIfBeyondGrace(provider, s, now);

    if (s.set !== undefined && now < s.expiresAt) {
      const key = findKey(s.set, kid);
      if (key !== undefined) {
        metrics.cacheHits.inc({ provider: name });
        if (now >= s.refreshAt) this.refreshInBackground(provider);
        return { kind: 'key', key };
      }
      metrics.cacheMisses.inc({ provider: name, reason: 'unknown_kid' });
      const result = await this.unknownKid(provider, s, kid, deadlineMs);
      this.recordMiss(name, kid, 'unknown_kid', now, result.kind);
      return result;
    }

    if (s.set !== undefined) {
      // Expired but within the grace period.
      const stale = findKey(s.set, kid);
      if (s.failures > 0 && stale !== undefined) {
        // The provider is known to be failing: answer now with last-known-good keys.
        metrics.staleServed.inc({ provider: name });
        this.refreshInBackground(provider);
        return { kind: 'key', key: stale };
      }
      metrics.cacheMisses.inc({ provider: name, reason: 'expired' });
      const result = await this.afterRefresh(provider, s, kid, deadlineMs, stale);
      this.recordMiss(name, kid, 'expired', now, result.kind);
      return result;
    }

    metrics.cacheMisses.inc({ provider: name, reason: 'cold' });
    const result = await this.afterRefresh(provider, s, kid, deadlineMs, undefined);
    this.recordMiss(name, kid, 'cold', now, result.kind);
    return result;
  }

  async recheck(
    provider: ProviderConfig,
    kid: string | undefined,
    failed: CachedKey,
    deadlineMs: number,
  ): Promise<KeyLookup | undefined> {
    const s = this.state(provider.name);
    const now = this.ctx.now();
    if (kid === undefined || s.inflight === undefined) {
      if (kid === undefined || !this.unknownKidFetchAllowed(s, now)) return undefined;
      s.lastUnknownKidFetchAt = now;
    }
    const result = await this.afterRefresh(provider, s, kid, deadlineMs, undefined);
    if (result.kind === 'key' && !sameKeyMaterial(result.key, failed)) return result;
    return undefined;
  }

  async readiness(deadlineMs: number): Promise<readonly ProviderReadiness[]> {
    return Promise.all(
      this.ctx.config.providers.map(async (provider): Promise<ProviderReadiness> => {
        const s = this.state(provider.name);
        // Policy: readiness gates the cold start only. Once a provider's keys were fetched the
        // pod stays ready and answers 503 for that provider alone: failing readiness on every
        // replica during one provider's outage would take the healthy provider down too (FM17).
        if (s.fetchedAt === 0) {
          const pending = this.refresh(provider);
          if (pending !== undefined) await withDeadline(pending, deadlineMs, () => undefined);
        }
        const ready = s.fetchedAt > 0;
        return {
          provider: provider.name,
          ready,
          keys: s.set?.all.length ?? 0,
          ...(s.lastError === undefined ? {} : { error: s.lastError }),
        };
      }),
    );
  }

  start(): void {
    for (const provider of this.ctx.config.providers) this.refreshInBackground(provider);
  }

  close(): void {
    this.closed = true;
  }

  private state(name: string): ProviderState {
    let s = this.states.get(name);
    if (s === undefined) {
      s = {
        set: undefined,
        fetchedAt: 0,
        expiresAt: 0,
        refreshAt: 0,
        staleUntil: 0,
        inflight: undefined,
        failures: 0,
        nextAttemptAt: 0,
        lastError: undefined,
        lastUnknownKidFetchAt: Number.NEGATIVE_INFINITY,
      };
      this.states.set(name, s);
    }
    return s;
  }

  private dropIfBeyondGrace(provider: ProviderConfig, s: ProviderState, now: number): void {
    if (s.set === undefined || now < s.staleUntil) return;
    s.set = undefined;
    this.ctx.metrics.cacheSize.set({ provider: provider.name }, 0);
    this.ctx.log.error('JWKS dropped: stale grace period over and the provider still fails', {
      oidc_provider: provider.name,
      error: s.lastError ?? null,
    });
  }

  private unknownKidFetchAllowed(s: ProviderState, now: number): boolean {
    return now - s.lastUnknownKidFetchAt >= this.ctx.config.unknownKidCooldownMs && now >= s.nextAttemptAt;
  }

  private async unknownKid(
    provider: ProviderConfig,
    s: ProviderState,
    kid: string | undefined,
    deadlineMs: number,
  ): Promise<KeyLookup> {
    const now = this.ctx.now();
    if (s.inflight === undefined) {
      if (!this.unknownKidFetchAllowed(s, now)) {
        if (s.failures > 0) return this.unavailable(provider, s, now);
        return {
          kind: 'reject',
          reason: 'unknown_kid',
          detail: `kid ${String(kid)} is not in the key set of ${provider.name} (refetch cooldown)`,
        };
      }
      s.lastUnknownKidFetchAt = now;
    }
    const result = await this.afterRefresh(provider, s, kid, deadlineMs, undefined);
    return result;
  }

  /** Starts or joins a refresh, waits for it within the deadline, then answers from the cache. */
  private async afterRefresh(
    provider: ProviderConfig,
    s: ProviderState,
    kid: string | undefined,
    deadlineMs: number,
    staleKey: CachedKey | undefined,
  ): Promise<KeyLookup> {
    const name = provider.name;
    const pending = this.refresh(provider, { waiter: true });
    if (pending !== undefined) {
      const finished = await withDeadline(
        pending.then(() => true),
        deadlineMs,
        () => false,
      );
      if (!finished) {
        if (staleKey !== undefined) {
          this.ctx.metrics.staleServed.inc({ provider: name });
          return { kind: 'key', key: staleKey };
        }
        return {
          kind: 'unavailable',
          retryAfterMs: Math.max(1000, this.ctx.config.fetchTimeoutMs),
          detail: `keys of ${name} not fetched within ${deadlineMs}ms`,
        };
      }
    }
    const now = this.ctx.now();
    if (s.set !== undefined && s.fetchedAt > 0 && now < s.expiresAt) {
      const key = findKey(s.set, kid);
      if (key !== undefined) return { kind: 'key', key };
      if (s.failures === 0) {
        return {
          kind: 'reject',
          reason: 'unknown_kid',
          detail: `kid ${String(kid)} is not in the key set of ${name}`,
        };
      }
    }
    // The provider failed (now or while backing off): last-known-good keys, else 503.
    const stale = s.set === undefined ? undefined : findKey(s.set, kid);
    if (stale !== undefined && now < s.staleUntil) {
      this.ctx.metrics.staleServed.inc({ provider: name });
      return { kind: 'key', key: stale };
    }
    return this.unavailable(provider, s, now);
  }

  private unavailable(provider: ProviderConfig, s: ProviderState, now: number): KeyLookup {
    return {
      kind: 'unavailable',
      retryAfterMs: Math.max(1000, s.nextAttemptAt - now),
      detail: `signing keys of ${provider.name} unavailable${s.lastError === undefined ? '' : `: ${s.lastError}`}`,
    };
  }

  private refreshInBackground(provider: ProviderConfig): void {
    // refresh() never rejects; the returned promise is only for waiters.
    void this.refresh(provider);
  }

  /**
   * Single flight: returns the fetch in flight (counting a coalesced waiter), starts one when the
   * backoff allows, or returns undefined when backing off.
   */
  private refresh(provider: ProviderConfig, options: { waiter?: boolean } = {}): Promise<void> | undefined {
    const s = this.state(provider.name);
    if (s.inflight !== undefined) {
      if (options.waiter === true) this.ctx.metrics.coalesced.inc({ provider: provider.name });
      return s.inflight;
    }
    if (this.closed || this.ctx.now() < s.nextAttemptAt) return undefined;
    s.inflight = this.fetchInto(provider, s).finally(() => {
      s.inflight = undefined;
    });
    return s.inflight;
  }

  private async fetchInto(provider: ProviderConfig, s: ProviderState): Promise<void> {
    const { config, random, metrics, log } = this.ctx;
    try {
      const { set, maxAgeSeconds } = await this.ctx.source.fetch(provider);
      const now = this.ctx.now();
      const ttl = Math.max(
        config.minTtlMs,
        Math.min(config.ttlMs, maxAgeSeconds === undefined ? Infinity : maxAgeSeconds * 1000),
      );
      const ahead = Math.min(config.refreshAheadMs, ttl / 2) * (0.5 + 0.5 * random.next());
      const recovered = s.failures > 0;
      s.set = set;
      s.fetchedAt = now;
      s.expiresAt = now + ttl;
      s.refreshAt = s.expiresAt - ahead;
      s.staleUntil = s.expiresAt + config.staleGraceMs;
      s.failures = 0;
      s.nextAttemptAt = 0;
      s.lastError = undefined;
      metrics.cacheSize.set({ provider: provider.name }, set.all.length);
      if (recovered) log.info('JWKS fetch recovered', { oidc_provider: provider.name, keys: set.all.length });
    } catch (error) {
      const now = this.ctx.now();
      s.failures++;
      const exponential = Math.min(
        config.backoffMaxMs,
        config.backoffBaseMs * 2 ** Math.min(30, s.failures - 1),
      );
      // "Equal jitter": half fixed, half random, so replicas do not retry in lockstep (FM21).
      let wait = exponential / 2 + (exponential / 2) * random.next();
      const retryAfter = error instanceof FetchError ? error.retryAfterMs : undefined;
      if (retryAfter !== undefined) wait = Math.max(wait, Math.min(retryAfter, config.backoffMaxMs));
      s.nextAttemptAt = now + wait;
      s.lastError = describe(error);
      const keptOld = s.set !== undefined && now < s.staleUntil;
      // Counted before the log limiter: the alert sees every event, the log a sample of them.
      (keptOld ? metrics.oldKeysRecached : metrics.incompleteCached).inc({ provider: provider.name });
      if (this.closed || !this.failureLogLimit(provider.name).allowed) return;
      if (keptOld && s.set !== undefined) {
        log.warn(LOG.oldJwksRecached, {
          oidc_provider: provider.name,
          error: s.lastError,
          failure: error instanceof FetchError ? error.kind : 'network',
          keys: s.set.all.length,
          stale_for_ms: Math.max(0, Math.round(now - s.expiresAt)),
          retry_in_ms: Math.round(wait),
        });
      } else {
        logIncomplete(log, provider.name, error);
      }
    }
  }
}
