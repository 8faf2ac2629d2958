/**
 * Token minting: one claim builder and one signer for every shape, used by the token endpoint
 * (grant tokens) and the admin minting API (batches of edge cases for the harness).
 */
import { randomUUID } from 'node:crypto';
import type { SigningAlg, MeasurementHooks } from '../contracts.ts';
import type { KeyStore } from '../keys/key-store.ts';
import type { KeyMaterial } from '../keys/material.ts';
import type { Random } from '../../src/util/random.ts';
import { corruptSignature, hmacCompact, signCompact, unsecuredCompact } from './jws.ts';

export const TOKEN_SHAPES = [
  'valid',
  'expired',
  'not-yet-valid',
  'issued-in-future',
  'wrong-issuer',
  'wrong-audience',
  'bad-signature',
  'rogue-key',
  'revoked-key',
  'alg-none',
  'hs256-confusion',
  'malformed',
  'missing-scope',
  'short-lived',
  'unknown-kid',
] as const;
export type TokenShape = (typeof TOKEN_SHAPES)[number];

/** How far (s) expired / not-yet-valid / future tokens sit outside the valid window: beyond any sane leeway. */
export const SKEW_OUTSIDE_LEEWAY_S = 600;
/** Lifetime (s) of a `short-lived` token unless `expiresIn` says otherwise. */
export const SHORT_LIVED_DEFAULT_S = 5;
export const WRONG_ISSUER = 'https://wrong-issuer.keystorm.invalid';
export const WRONG_AUDIENCE = 'keystorm-wrong-audience';

/** An audience the issuer does not mint for: WRONG_AUDIENCE, unless the issuer's audience is that very string. */
export function wrongAudience(audience: string | readonly string[]): string {
  const accepted = typeof audience === 'string' ? [audience] : audience;
  return accepted.includes(WRONG_AUDIENCE) ? `${WRONG_AUDIENCE}-2` : WRONG_AUDIENCE;
}

/** Per-issuer claim template (see IssuerOptions). */
export interface ClaimTemplate {
  audience: string | string[];
  scopes: string[];
  /** The scope a `missing-scope` token lacks (default: the first template scope). */
  requiredScope: string | undefined;
  /** Custom claims added to every access token (instance ids, seat counts …). */
  claims: Record<string, unknown>;
  /** Access-token lifetime in seconds. */
  expiresIn: number;
}

/** What minting needs from an issuer. */
export interface TokenContext {
  issuer: string;
  issuerUrl: string;
  template: ClaimTemplate;
  /** The issuer's skewed clock, epoch ms. */
  now: () => number;
  keys: KeyStore;
  random: Random;
  hooks: Pick<MeasurementHooks, 'onTokenIssued' | 'onUnknownKidIssued' | 'onEvent'>;
  fallbackAlg: SigningAlg;
}

export interface MintRequest {
  count?: number;
  shape?: TokenShape;
  clientId?: string;
  subject?: string;
  scopes?: string[];
  audience?: string | string[];
  /** Claims merged last: they override everything, including registered claims. */
  claims?: Record<string, unknown>;
  /** Sign with this key (any state) instead of the current signer. */
  kid?: string;
  /** Lifetime in seconds. */
  expiresIn?: number;
  /** Each token's exp is pushed later by a seeded uniform draw in [0, expiryJitter] s. */
  expiryJitter?: number;
  /** exp rounded up to a multiple of the lifetime, so separate batches expire together. */
  alignedExpiry?: boolean;
  /** Recorded in metrics (`admin` for the minting API). */
  grant?: string;
}

export interface MintResult {
  tokens: string[];
  /** The kid in the tokens' headers when they all share one. */
  kid?: string;
  /** Expiry of each token, epoch ms (exp × 1000). */
  expiresAt: number[];
}

export class MintError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MintError';
  }
}

export const DEFAULT_CLIENT_ID = 'keystorm';
export const DEFAULT_SUBJECT = 'keystorm-user';

interface Prepared {
  key: KeyMaterial;
  /** Overrides the key's kid in the header (unknown-kid). */
  headerKid: (index: number) => string;
}

async function pickKey(ctx: TokenContext, shape: TokenShape, kid: string | undefined): Promise<KeyMaterial> {
  const signer = ctx.keys.signer(kid);
  if (kid !== undefined && signer === undefined)
    throw new MintError(`kid: issuer ${ctx.issuer} has no key ${JSON.stringify(kid)}`);
  if (shape === 'rogue-key') return ctx.keys.rogueMaterial(signer?.alg ?? ctx.fallbackAlg);
  if (shape === 'revoked-key' && kid === undefined) {
    const revoked = ctx.keys.revokedMaterial();
    if (revoked !== undefined) return revoked;
    // No key was ever revoked: make one, so the token carries a kid the JWKS no longer has.
    const material = await ctx.keys.newMaterial(signer?.alg ?? ctx.fallbackAlg);
    ctx.keys.insert(material, 'revoked');
    return material;
  }
  if (signer === undefined) throw new MintError(`issuer ${ctx.issuer} has no active key to sign with`);
  return signer;
}

function timesFor(
  shape: TokenShape,
  nowS: number,
  lifetime: number,
): { iat: number; nbf?: number; exp: number } {
  switch (shape) {
    case 'expired': {
      const exp = nowS - SKEW_OUTSIDE_LEEWAY_S;
      return { iat: exp - lifetime, nbf: exp - lifetime, exp };
    }
    case 'not-yet-valid': {
      const nbf = nowS + SKEW_OUTSIDE_LEEWAY_S;
      return { iat: nowS, nbf, exp: nbf + lifetime };
    }
    case 'issued-in-future': {
      // No nbf: only a verifier that checks iat notices.
      const iat = nowS + SKEW_OUTSIDE_LEEWAY_S;
      return { iat, exp: iat + lifetime };
    }
    default:
      return { iat: nowS, nbf: nowS, exp: nowS + lifetime };
  }
}

/** Mints `count` tokens of one shape. Throws MintError for a request that cannot be met. */
export async function mintTokens(ctx: TokenContext, request: MintRequest): Promise<MintResult> {
  const shape = request.shape ?? 'valid';
  const count = request.count ?? 1;
  const key = await pickKey(ctx, shape, request.kid);
  const prepared: Prepared = {
    key,
    headerKid:
      shape === 'unknown-kid'
        ? () => `unknown-${ctx.random.int(0, 0xffffffff).toString(16).padStart(8, '0')}`
        : () => key.kid,
  };
  const lifetime =
    request.expiresIn ?? (shape === 'short-lived' ? SHORT_LIVED_DEFAULT_S : ctx.template.expiresIn);
  const required = ctx.template.requiredScope ?? ctx.template.scopes[0];
  let scopes = request.scopes ?? ctx.template.scopes;
  if (shape === 'missing-scope') scopes = scopes.filter((s) => s !== required);
  const served = ctx.keys.servedKids();
  const tokens: string[] = [];
  const expiresAt: number[] = [];
  const kids = new Set<string>();
  // Sign in small parallel waves: the thread pool works while the loop stays responsive.
  const WAVE = 32;
  for (let start = 0; start < count; start += WAVE) {
    const wave: Promise<{ token: string; exp: number; kid: string }>[] = [];
    for (let i = start; i < Math.min(count, start + WAVE); i++) {
      const nowS = Math.floor(ctx.now() / 1000);
      const times = timesFor(shape, nowS, lifetime);
      let exp = times.exp;
      if (request.alignedExpiry === true && lifetime > 0) exp = Math.ceil(exp / lifetime) * lifetime;
      if (request.expiryJitter !== undefined && request.expiryJitter > 0)
        exp += ctx.random.int(0, request.expiryJitter);
      const payload: Record<string, unknown> = {
        iss: shape === 'wrong-issuer' ? WRONG_ISSUER : ctx.issuerUrl,
        sub: request.subject ?? DEFAULT_SUBJECT,
        aud:
          shape === 'wrong-audience'
            ? wrongAudience(ctx.template.audience)
            : (request.audience ?? ctx.template.audience),
        client_id: request.clientId ?? DEFAULT_CLIENT_ID,
        scope: scopes.join(' '),
        ...times,
        exp,
        jti: randomUUID(),
        ...ctx.template.claims,
        ...request.claims,
      };
      const kid = prepared.headerKid(i);
      wave.push(signShape(shape, prepared.key, kid, payload).then((token) => ({ token, exp, kid })));
    }
    for (const { token, exp, kid } of await Promise.all(wave)) {
      tokens.push(token);
      expiresAt.push(exp * 1000);
      kids.add(kid);
    }
  }
  const grant = request.grant ?? 'admin';
  for (let i = 0; i < tokens.length; i++) {
    ctx.hooks.onTokenIssued({ issuer: ctx.issuer, grant, alg: algInHeader(shape, key), kid: key.kid, shape });
  }
  for (const kid of kids) if (!served.has(kid)) ctx.hooks.onUnknownKidIssued({ issuer: ctx.issuer, kid });
  const result: MintResult = { tokens, expiresAt };
  if (kids.size === 1) result.kid = [...kids][0] as string;
  return result;
}

function algInHeader(shape: TokenShape, key: KeyMaterial): string {
  return shape === 'alg-none' ? 'none' : shape === 'hs256-confusion' ? 'HS256' : key.alg;
}

async function signShape(
  shape: TokenShape,
  key: KeyMaterial,
  kid: string,
  payload: Record<string, unknown>,
): Promise<string> {
  switch (shape) {
    case 'alg-none':
      return unsecuredCompact({ alg: 'none', typ: 'JWT', kid }, payload);
    case 'hs256-confusion':
      return hmacCompact(
        key.publicKey.export({ type: 'spki', format: 'pem' }),
        { alg: 'HS256', typ: 'JWT', kid },
        payload,
      );
    case 'malformed': {
      // "not enough segments": header and payload, no signature part at all.
      const token = await signCompact(key.alg, key.privateKey, { alg: key.alg, typ: 'JWT', kid }, payload);
      return token.slice(0, token.lastIndexOf('.'));
    }
    case 'bad-signature':
      return corruptSignature(
        await signCompact(key.alg, key.privateKey, { alg: key.alg, typ: 'JWT', kid }, payload),
      );
    default:
      return signCompact(key.alg, key.privateKey, { alg: key.alg, typ: 'JWT', kid }, payload);
  }
}

/** Signs an arbitrary claim set with the issuer's current signer (ID tokens, grant tokens). */
export async function signWithIssuer(
  ctx: TokenContext,
  payload: Record<string, unknown>,
): Promise<{ token: string; kid: string; alg: SigningAlg }> {
  const key = ctx.keys.signer();
  if (key === undefined) throw new MintError(`issuer ${ctx.issuer} has no active key to sign with`);
  const token = await signCompact(
    key.alg,
    key.privateKey,
    { alg: key.alg, typ: 'JWT', kid: key.kid },
    payload,
  );
  return { token, kid: key.kid, alg: key.alg };
}
