/**
 * A provider's key set as the gateway caches it: parsed from a JWKS document, keys indexed by
 * kid, imported lazily per algorithm. `parseKeySet(..., { strict: true })` is the hardened
 * plausibility check: an empty, malformed or unusable set is refused so that one bad payload
 * cannot replace the last-known-good keys (FM12).
 */
import { importJWK, type CryptoKey, type JWK } from 'jose';
import { FetchError } from './outbound.ts';

/** One verification key from a JWKS. */
export interface CachedKey {
  readonly kid: string | undefined;
  readonly jwk: JWK;
  /** `alg` pinned by the JWKS entry, if any: a token with another alg does not match. */
  readonly alg: string | undefined;
  /** Imported keys by algorithm (RSA keys import differently for RS* and PS*). */
  readonly imported: Map<string, Promise<CryptoKey | Uint8Array>>;
}

export interface KeySet {
  readonly byKid: ReadonlyMap<string, CachedKey>;
  readonly all: readonly CachedKey[];
}

/** Asymmetric key types only: a symmetric (`oct`) key in a JWKS is never used (HS256 confusion). */
const ASYMMETRIC = new Set(['RSA', 'EC', 'OKP']);

/** The algorithm a key is imported with when its JWK does not say. */
export function defaultAlg(jwk: JWK): string | undefined {
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC') return { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' }[jwk.crv ?? ''];
  if (jwk.kty === 'OKP') return jwk.crv === 'Ed25519' ? 'EdDSA' : undefined;
  return undefined;
}

/** Imports key for alg once and remembers the promise. */
export function importFor(key: CachedKey, alg: string): Promise<CryptoKey | Uint8Array> {
  let imported = key.imported.get(alg);
  if (imported === undefined) {
    imported = importJWK(key.jwk, alg);
    key.imported.set(alg, imported);
  }
  return imported;
}

/**
 * Parses a JWKS document. Lenient mode (naive) keeps whatever it can read, even nothing; strict
 * mode (hardened) throws FetchError('implausible') for anything that does not look like a
 * usable key set.
 */
export async function parseKeySet(json: unknown, options: { strict: boolean }): Promise<KeySet> {
  const keys = (json as { keys?: unknown } | null)?.keys;
  if (typeof json !== 'object' || json === null || !Array.isArray(keys)) {
    throw new FetchError('implausible', 'JWKS has no "keys" array');
  }
  const all: CachedKey[] = [];
  const byKid = new Map<string, CachedKey>();
  for (const [index, entry] of (keys as unknown[]).entries()) {
    const jwk = entry as JWK;
    const usable =
      typeof entry === 'object' &&
      entry !== null &&
      typeof jwk.kty === 'string' &&
      ASYMMETRIC.has(jwk.kty) &&
      jwk.use !== 'enc' &&
      jwk.d === undefined;
    if (!usable) {
      // A symmetric or private key in a public JWKS is a provider bug: never use it.
      if (options.strict && (typeof entry !== 'object' || entry === null || typeof jwk.kty !== 'string')) {
        throw new FetchError('implausible', `JWKS keys[${index}] is not a JWK`);
      }
      continue;
    }
    const key: CachedKey = {
      kid: typeof jwk.kid === 'string' ? jwk.kid : undefined,
      jwk,
      alg: typeof jwk.alg === 'string' ? jwk.alg : undefined,
      imported: new Map(),
    };
    if (options.strict) {
      const alg = key.alg ?? defaultAlg(jwk);
      try {
        if (alg === undefined) throw new Error('unknown key type');
        // WebCrypto imports a 17-bit modulus without complaint; verification would refuse it later.
        if (jwk.kty === 'RSA' && Buffer.from(jwk.n ?? '', 'base64url').length < 256) {
          throw new Error('RSA modulus shorter than 2048 bits');
        }
        await importFor(key, alg);
      } catch (error) {
        throw new FetchError(
          'implausible',
          `JWKS keys[${index}] (kid ${String(key.kid)}) cannot be imported: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    all.push(key);
    if (key.kid !== undefined && !byKid.has(key.kid)) byKid.set(key.kid, key);
  }
  if (options.strict && all.length === 0)
    throw new FetchError('implausible', 'JWKS holds no usable verification key');
  return { byKid, all };
}

/**
 * Finds the key for a token's kid. Without a kid, a set with exactly one key answers (a common
 * single-key provider); otherwise there is no way to choose.
 */
export function findKey(set: KeySet, kid: string | undefined): CachedKey | undefined {
  if (kid !== undefined) return set.byKid.get(kid);
  return set.all.length === 1 ? set.all[0] : undefined;
}

/** True when both sets hold the same key material under the same kids (for FM11 rechecks). */
export function sameKeyMaterial(a: CachedKey | undefined, b: CachedKey | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return JSON.stringify(a.jwk) === JSON.stringify(b.jwk);
}
