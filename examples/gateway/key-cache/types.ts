/**
 * The one interface both key-cache strategies implement. The gateway asks for the key of a
 * (provider, kid) and gets one of three answers; what an outage looks like to the client (a 401
 * that makes it drop its token, or a 503 that makes it retry) is the strategy's choice, and the
 * difference between the two strategies is the point of the example (FM18).
 */
import type { GatewayConfig, KeyCacheStrategy, ProviderConfig } from '../config.ts';
import type { KeySource } from '../key-source.ts';
import type { CachedKey } from '../keyset.ts';
import { LOG, createLogLimiter, type Logger } from '../log.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { Random } from '../../../src/util/random.ts';

/** Why a token cannot be verified (401). Stable strings: logs, metrics and bodies use them. */
export type RejectReason =
  | 'missing_token'
  | 'malformed'
  | 'alg_not_allowed'
  | 'unknown_issuer'
  | 'unknown_kid'
  | 'signature_invalid'
  | 'expired'
  | 'not_yet_valid'
  | 'audience_mismatch'
  | 'claim_invalid'
  | 'keys_unavailable'
  | 'verification_timeout';

export type KeyLookup =
  | { readonly kind: 'key'; readonly key: CachedKey }
  /** The token cannot be verified: 401. */
  | { readonly kind: 'reject'; readonly reason: RejectReason; readonly detail: string }
  /** No key can be had right now (provider down, backing off): 503 with Retry-After. */
  | { readonly kind: 'unavailable'; readonly retryAfterMs: number; readonly detail: string };

export interface ProviderReadiness {
  readonly provider: string;
  readonly ready: boolean;
  readonly keys: number;
  readonly error?: string;
}

export interface KeyCache {
  readonly strategy: KeyCacheStrategy;
  /** The key for kid (undefined: the token has none) at provider, answered within deadlineMs. */
  lookup(provider: ProviderConfig, kid: string | undefined, deadlineMs: number): Promise<KeyLookup>;
  /**
   * Called after a signature failed with a cached key: returns a different key when the provider
   * now serves new material under the same kid (FM11), else undefined.
   */
  recheck(
    provider: ProviderConfig,
    kid: string | undefined,
    failed: CachedKey,
    deadlineMs: number,
  ): Promise<KeyLookup | undefined>;
  /** Readiness: every provider's key set fetched at least once; fetches missing ones (within deadlineMs). */
  readiness(deadlineMs: number): Promise<readonly ProviderReadiness[]>;
  /** Starts background work (hardened: warms every provider). */
  start(): void;
  close(): void;
}

/** What a strategy is built from. */
export interface KeyCacheContext {
  readonly config: GatewayConfig;
  readonly source: KeySource;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
  readonly random: Random;
  readonly now: () => number;
}

/** Resolves to promise's value, or to onTimeout() after ms (the promise keeps running). */
export async function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout()), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Counts and logs cache misses (the seed's `event=jwt_key_cache_miss`, `key_kid`, `wait_ms`). */
export function createMissRecorder(ctx: KeyCacheContext) {
  const limit = createLogLimiter(20);
  return (
    provider: string,
    kid: string | undefined,
    reason: 'cold' | 'expired' | 'unknown_kid',
    startedAt: number,
    outcome: KeyLookup['kind'],
  ): void => {
    const waitMs = ctx.now() - startedAt;
    ctx.metrics.keyWait.observe({ provider }, waitMs / 1000);
    const gate = limit(provider);
    if (!gate.allowed) return;
    ctx.log.info(LOG.cacheMiss, {
      event: LOG.cacheMiss,
      oidc_provider: provider,
      key_kid: kid ?? null,
      reason,
      outcome,
      wait_ms: Math.round(waitMs),
      ...(gate.suppressed > 0 ? { suppressed: gate.suppressed } : {}),
    });
  };
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
