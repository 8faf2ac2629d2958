/**
 * Short-lived OAuth state: authorization codes (single use, PKCE S256) and refresh tokens
 * (rotated on every use; presenting a used one revokes its whole family, RFC 9700 §4.14.2).
 * Both maps are bounded: the oldest entries go first, so a long load run cannot grow memory.
 */
import { createHash, randomBytes } from 'node:crypto';

export const CODE_TTL_MS = 60_000;
export const MAX_CODES = 10_000;
export const MAX_REFRESH_TOKENS = 100_000;

export interface CodeGrant {
  clientId: string;
  redirectUri: string;
  codeChallenge: string | undefined;
  scopes: string[];
  subject: string;
  nonce: string | undefined;
  authTime: number;
  expiresAt: number;
}

export interface RefreshGrant {
  family: string;
  clientId: string;
  subject: string;
  scopes: string[];
  used: boolean;
}

function opaque(): string {
  return randomBytes(24).toString('base64url');
}

function boundedSet<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  if (map.size >= max) {
    const oldest = map.keys().next();
    if (oldest.done !== true) map.delete(oldest.value);
  }
  map.set(key, value);
}

/** RFC 7636 S256: BASE64URL(SHA256(verifier)). */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export class GrantStore {
  private readonly codes = new Map<string, CodeGrant>();
  private readonly refresh = new Map<string, RefreshGrant>();
  private readonly revokedFamilies = new Map<string, true>();

  issueCode(grant: CodeGrant): string {
    const code = opaque();
    boundedSet(this.codes, code, grant, MAX_CODES);
    return code;
  }

  /** Consumes a code: a second use finds nothing. */
  takeCode(code: string): CodeGrant | undefined {
    const grant = this.codes.get(code);
    this.codes.delete(code);
    return grant;
  }

  issueRefresh(grant: Omit<RefreshGrant, 'used' | 'family'>, family: string = opaque()): string {
    const token = opaque();
    boundedSet(this.refresh, token, { ...grant, family, used: false }, MAX_REFRESH_TOKENS);
    return token;
  }

  /**
   * Redeems a refresh token. Returns the grant, or why it cannot be used. Reuse of a rotated
   * token revokes the family, so the token that replaced it stops working too.
   */
  redeemRefresh(token: string): RefreshGrant | 'unknown' | 'reused' | 'revoked' {
    const grant = this.refresh.get(token);
    if (grant === undefined) return 'unknown';
    if (this.revokedFamilies.has(grant.family)) return 'revoked';
    if (grant.used) {
      boundedSet(this.revokedFamilies, grant.family, true, MAX_REFRESH_TOKENS);
      return 'reused';
    }
    grant.used = true;
    return grant;
  }

  clear(): void {
    this.codes.clear();
    this.refresh.clear();
    this.revokedFamilies.clear();
  }
}
