/**
 * Key material for one signing key: the private KeyObject imported once (signing never
 * re-imports, which costs 37–61 % per token) and the public JWK serialised once.
 */
import { createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { SigningAlg } from '../contracts.ts';
import { deterministicEd25519, deterministicP256, deterministicRsa } from './deterministic.ts';

const generate = promisify(generateKeyPair);

/** A signing key's material. `publicJwk` carries kid/alg/use and is what JWKS serves. */
export interface KeyMaterial {
  readonly alg: SigningAlg;
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicJwk: Readonly<JWK>;
}

/** Where new material comes from: the seed (deterministic) or the OS (random). */
export interface MaterialSource {
  /** When set, key material is a function of (seed, label). */
  readonly seed?: number | undefined;
}

/** A new private key for `alg`: from (seed, label) when seeded, else random. */
export async function privateKeyFor(
  alg: SigningAlg,
  source: MaterialSource,
  label: string,
  signal?: AbortSignal,
): Promise<KeyObject> {
  const seed = source.seed;
  switch (alg) {
    case 'ES256':
      return seed === undefined
        ? (await generate('ec', { namedCurve: 'P-256' })).privateKey
        : deterministicP256(seed, label);
    case 'EdDSA':
      return seed === undefined ? (await generate('ed25519')).privateKey : deterministicEd25519(seed, label);
    case 'RS256':
    case 'PS256':
      return seed === undefined
        ? (await generate('rsa', { modulusLength: 2048 })).privateKey
        : await deterministicRsa(seed, label, signal);
  }
}

/**
 * Creates key material for `alg`. The kid defaults to the RFC 7638 thumbprint of the public
 * key (stable for seeded keys, and what many providers use).
 * @param label distinguishes keys under one seed, e.g. `gitlab/3`
 */
export async function createKeyMaterial(
  alg: SigningAlg,
  source: MaterialSource,
  label: string,
  kid?: string,
): Promise<KeyMaterial> {
  const privateKey = await privateKeyFor(alg, source, label);
  return materialFrom(alg, privateKey, kid);
}

/** Wraps an existing private key (e.g. to reuse one under another kid). */
export async function materialFrom(
  alg: SigningAlg,
  privateKey: KeyObject,
  kid?: string,
): Promise<KeyMaterial> {
  const publicKey = createPublicKey(privateKey);
  const bare = publicKey.export({ format: 'jwk' }) as JWK;
  const finalKid = kid ?? (await calculateJwkThumbprint(bare, 'sha256'));
  const publicJwk: JWK = { ...bare, kid: finalKid, alg, use: 'sig' };
  return Object.freeze({ alg, kid: finalKid, privateKey, publicKey, publicJwk: Object.freeze(publicJwk) });
}
