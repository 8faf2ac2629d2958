/**
 * Tokens a correct gateway refuses, derived from a real one without any signing key: the canary
 * talks to a real IdP and can never sign. Each keeps the genuine claims, so the only thing
 * wrong is the one thing the case is about.
 */
import { decodeJwt } from 'jose';

function parts(token: string): [string, string, string] {
  const [header = '', payload = '', signature = ''] = token.split('.');
  return [header, payload, signature];
}

/** `header.payload`: the signature part is gone ("not enough segments"). */
export function malformedToken(token: string): string {
  const [header, payload] = parts(token);
  return `${header}.${payload}`;
}

/** The same claims under `{"alg":"none"}` with an empty signature (RFC 7519 unsecured JWT). */
export function algNoneToken(token: string): string {
  const [header, payload] = parts(token);
  let original: Record<string, unknown> = {};
  try {
    original = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    // Not a JWS header (an opaque token): a bare `alg: none` header still makes the case.
  }
  const unsecured = { ...original, alg: 'none' };
  return `${Buffer.from(JSON.stringify(unsecured)).toString('base64url')}.${payload}.`;
}

/** Flips the first signature bytes: same length and encoding, no longer a valid signature. */
export function badSignatureToken(token: string): string {
  const [header, payload, signature] = parts(token);
  const bytes = Buffer.from(signature, 'base64url');
  if (bytes.length === 0) return `${header}.${payload}.${Buffer.from('keystorm').toString('base64url')}`;
  for (let i = 0; i < Math.min(4, bytes.length); i++) bytes[i] = (bytes[i] ?? 0) ^ 0xff;
  return `${header}.${payload}.${bytes.toString('base64url')}`;
}

/** The token's claims, or `{}` for an opaque (non-JWT) token. */
export function claimsOf(token: string): Record<string, unknown> {
  try {
    return decodeJwt(token);
  } catch {
    return {};
  }
}
