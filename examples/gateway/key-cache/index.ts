/** Picks the key-cache strategy named by KEY_CACHE. */
import type { KeyCacheStrategy } from '../config.ts';
import { HardenedKeyCache } from './hardened.ts';
import { NaiveKeyCache } from './naive.ts';
import type { KeyCache, KeyCacheContext } from './types.ts';

export function createKeyCache(strategy: KeyCacheStrategy, ctx: KeyCacheContext): KeyCache {
  return strategy === 'naive' ? new NaiveKeyCache(ctx) : new HardenedKeyCache(ctx);
}

export type { KeyCache, KeyLookup, RejectReason } from './types.ts';
