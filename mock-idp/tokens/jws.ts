/**
 * Compact JWS signing on node:crypto with pre-imported KeyObjects. jose is the verifier in
 * our tests, but it (rightly) refuses to produce most of the broken tokens mock-idp must hand
 * out (`alg: none`, HS256 keyed with a public key, corrupted signatures), so the few lines of
 * JWS assembly live here. Signing runs on libuv's thread pool, so a large batch does not
 * freeze the data plane.
 */
import { constants, createHmac, sign, type KeyObject } from 'node:crypto';
import type { SigningAlg } from '../contracts.ts';

export function b64uJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function signAsync(algorithm: string | null, data: Buffer, key: Parameters<typeof sign>[2]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    sign(algorithm, data, key, (error, signature) => (error === null ? resolve(signature) : reject(error)));
  });
}

/** Signs `signingInput` (`header.payload`) with `alg`, returning the raw signature. */
export function signBytes(alg: SigningAlg, key: KeyObject, signingInput: string): Promise<Buffer> {
  const data = Buffer.from(signingInput);
  switch (alg) {
    case 'RS256':
      return signAsync('sha256', data, key);
    case 'PS256':
      return signAsync('sha256', data, {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      });
    case 'ES256':
      return signAsync('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
    case 'EdDSA':
      return signAsync(null, data, key);
  }
}

/** A signed compact JWS. */
export async function signCompact(
  alg: SigningAlg,
  key: KeyObject,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): Promise<string> {
  const input = `${b64uJson(header)}.${b64uJson(payload)}`;
  const signature = await signBytes(alg, key, input);
  return `${input}.${signature.toString('base64url')}`;
}

/** HS256 keyed with arbitrary bytes (the "public key as HMAC secret" confusion attack). */
export function hmacCompact(
  secret: Buffer | string,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): string {
  const input = `${b64uJson(header)}.${b64uJson(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** An unsecured JWS (`alg: none`): empty signature segment. */
export function unsecuredCompact(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  return `${b64uJson(header)}.${b64uJson(payload)}.`;
}

/** Flips bits in the signature so it no longer verifies, keeping its length and encoding valid. */
export function corruptSignature(token: string): string {
  const dot = token.lastIndexOf('.');
  const signature = Buffer.from(token.slice(dot + 1), 'base64url');
  for (let i = 0; i < Math.min(4, signature.length); i++) signature[i] = (signature[i] ?? 0) ^ 0xff;
  return `${token.slice(0, dot + 1)}${signature.toString('base64url')}`;
}
