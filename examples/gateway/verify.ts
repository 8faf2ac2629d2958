/**
 * Token verification: decode (untrusted) → allow-listed alg → issuer must be a configured
 * provider → key from our own cache → jose `jwtVerify` with that key. Nothing in the token
 * chooses a URL to fetch (`jku`, `x5u` and unknown issuers are never followed, FM23).
 */
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import type { GatewayConfig, ProviderConfig } from './config.ts';
import type { KeyCache, KeyLookup, RejectReason } from './key-cache/index.ts';
import { importFor, type CachedKey } from './keyset.ts';

export type Verdict =
  | { readonly ok: true; readonly payload: JWTPayload; readonly provider: ProviderConfig }
  | { readonly ok: false; readonly status: 401; readonly reason: RejectReason; readonly detail: string }
  | { readonly ok: false; readonly status: 503; readonly retryAfterMs: number; readonly detail: string };

function reject(reason: RejectReason, detail: string): Verdict {
  return { ok: false, status: 401, reason, detail };
}

export class TokenVerifier {
  private readonly config: GatewayConfig;
  private readonly cache: KeyCache;
  private readonly byIssuer: Map<string, ProviderConfig>;

  constructor(config: GatewayConfig, cache: KeyCache) {
    this.config = config;
    this.cache = cache;
    this.byIssuer = new Map(config.providers.map((p) => [p.issuer, p]));
  }

  async verify(token: string): Promise<Verdict> {
    let alg: string | undefined;
    let kid: string | undefined;
    let iss: unknown;
    try {
      const header = decodeProtectedHeader(token);
      alg = header.alg;
      kid = header.kid;
      iss = decodeJwt(token).iss;
    } catch (error) {
      return reject('malformed', error instanceof Error ? error.message : 'token cannot be decoded');
    }
    if (alg === undefined || alg === 'none' || !this.config.algorithms.includes(alg)) {
      return reject('alg_not_allowed', `alg ${JSON.stringify(alg ?? null)} is not allowed`);
    }
    const provider = typeof iss === 'string' ? this.byIssuer.get(iss) : undefined;
    if (provider === undefined)
      return reject('unknown_issuer', `issuer ${JSON.stringify(iss ?? null)} is not trusted`);

    const started = Date.now();
    const lookup = await this.cache.lookup(provider, kid, this.config.verifyTimeoutMs);
    const first = await this.verifyWith(token, provider, alg, lookup);
    if (first.ok || first.status !== 401 || first.reason !== 'signature_invalid' || lookup.kind !== 'key')
      return first;
    // Same kid, new key material (FM11): the strategy decides whether to look again.
    const remaining = Math.max(1, this.config.verifyTimeoutMs - (Date.now() - started));
    const again = await this.cache.recheck(provider, kid, lookup.key, remaining);
    return again === undefined ? first : this.verifyWith(token, provider, alg, again);
  }

  private async verifyWith(
    token: string,
    provider: ProviderConfig,
    alg: string,
    lookup: KeyLookup,
  ): Promise<Verdict> {
    if (lookup.kind === 'reject') return reject(lookup.reason, lookup.detail);
    if (lookup.kind === 'unavailable') {
      return { ok: false, status: 503, retryAfterMs: lookup.retryAfterMs, detail: lookup.detail };
    }
    const key: CachedKey = lookup.key;
    if (key.alg !== undefined && key.alg !== alg) {
      return reject('signature_invalid', `key ${String(key.kid)} is for ${key.alg}, token says ${alg}`);
    }
    let imported;
    try {
      imported = await importFor(key, alg);
    } catch (error) {
      return reject(
        'signature_invalid',
        `key ${String(key.kid)} cannot be used with ${alg}: ${String(error)}`,
      );
    }
    try {
      const { payload } = await jwtVerify(token, imported, {
        issuer: provider.issuer,
        algorithms: [...this.config.algorithms],
        clockTolerance: Math.round(this.config.clockToleranceMs / 1000),
        ...(this.config.audience.length > 0 ? { audience: [...this.config.audience] } : {}),
      });
      return { ok: true, payload, provider };
    } catch (error) {
      return classify(error);
    }
  }
}

/** Maps jose's errors to the stable reasons of the triage table. */
export function classify(error: unknown): Verdict {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof errors.JWTExpired) return reject('expired', message);
  if (error instanceof errors.JWSSignatureVerificationFailed) return reject('signature_invalid', message);
  if (error instanceof errors.JOSEAlgNotAllowed) return reject('alg_not_allowed', message);
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf' || (error.claim === 'iat' && error.reason === 'check_failed'))
      return reject('not_yet_valid', message);
    if (error.claim === 'aud') return reject('audience_mismatch', message);
    if (error.claim === 'iss') return reject('unknown_issuer', message);
    return reject('claim_invalid', `${error.claim}: ${message}`);
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid)
    return reject('malformed', message);
  return reject('signature_invalid', message);
}
