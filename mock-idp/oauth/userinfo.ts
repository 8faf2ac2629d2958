/**
 * GET|POST /{issuer}/userinfo: returns the claims of a valid access token issued here.
 * The token is verified against the issuer's unrevoked keys and its (skewed) clock.
 */
import { constants, verify } from 'node:crypto';
import type { PreparedResponse } from '../contracts.ts';
import type { IssuerRuntime } from '../issuer.ts';
import type { KeyMaterial } from '../keys/material.ts';
import { jsonResponse, OAuthError, parseForm } from './responses.ts';

function invalidToken(description: string): OAuthError {
  return new OAuthError(401, 'invalid_token', description, {
    'www-authenticate': `Bearer error="invalid_token", error_description="${description.replace(/"/g, "'")}"`,
  });
}

function decodeSegment(segment: string | undefined, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw invalidToken(`${what} is not a base64url JSON object`);
}

function signatureValid(key: KeyMaterial, alg: string, input: Buffer, signature: Buffer): boolean {
  if (alg !== key.alg) return false;
  switch (key.alg) {
    case 'RS256':
      return verify('sha256', input, key.publicKey, signature);
    case 'PS256':
      return verify(
        'sha256',
        input,
        { key: key.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
        signature,
      );
    case 'ES256':
      return verify('sha256', input, { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, signature);
    case 'EdDSA':
      return verify(null, input, key.publicKey, signature);
  }
}

export function userinfoEndpoint(
  issuer: IssuerRuntime,
  method: string,
  authorization: string | undefined,
  body: Buffer,
): PreparedResponse {
  let token: string | undefined;
  if (authorization !== undefined && authorization.slice(0, 7).toLowerCase() === 'bearer ')
    token = authorization.slice(7).trim();
  else if (method === 'POST') token = parseForm(body.toString('utf8')).get('access_token');
  if (token === undefined || token === '') {
    throw new OAuthError(401, 'invalid_request', 'authorization: missing Bearer access token', {
      'www-authenticate': 'Bearer',
    });
  }
  const parts = token.split('.');
  if (parts.length !== 3) throw invalidToken('token: not a compact JWS (needs 3 segments)');
  const header = decodeSegment(parts[0], 'token header');
  const claims = decodeSegment(parts[1], 'token payload');
  const alg = typeof header.alg === 'string' ? header.alg : '';
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  const input = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2] ?? '', 'base64url');
  const keys = issuer.keys.verificationKeys(kid);
  if (!keys.some((key) => signatureValid(key, alg, input, signature)))
    throw invalidToken('token: signature does not verify');
  if (claims.iss !== issuer.config.issuerUrl) throw invalidToken('token: issued by another issuer');
  const nowS = issuer.now() / 1000;
  if (typeof claims.exp !== 'number' || claims.exp <= nowS) throw invalidToken('token: expired');
  if (typeof claims.nbf === 'number' && claims.nbf > nowS) throw invalidToken('token: not yet valid');
  const { iss: _iss, aud: _aud, exp: _exp, iat: _iat, nbf: _nbf, jti: _jti, ...info } = claims;
  return jsonResponse(200, info, { 'cache-control': 'no-store' });
}
