/**
 * What each endpoint requires beyond a valid token: the scope that unlocks its feature (403
 * `Unauthorized to access <feature>` without it, the 2024-05-24 incident) and whether the
 * Cloud Connector headers must agree with the token's claims (401 `Header mismatch '…'`).
 */
import type { JWTPayload } from 'jose';
import type { HeaderClaim } from './config.ts';

export interface ProtectedRoute {
  readonly path: string;
  readonly methods: readonly string[];
  /** The feature (unit primitive) this endpoint serves; undefined = any valid token. */
  readonly feature: string | undefined;
  /** Whether GATEWAY_HEADER_CLAIMS are enforced here. */
  readonly checkHeaders: boolean;
}

export const PROTECTED_ROUTES: readonly ProtectedRoute[] = [
  { path: '/v2/code/completions', methods: ['POST', 'GET'], feature: 'code_suggestions', checkHeaders: true },
  { path: '/v1/chat', methods: ['POST', 'GET'], feature: 'duo_chat', checkHeaders: true },
  // Token only, like the pizza factory's /api/auth paths: handy for load that has no headers.
  { path: '/api/auth/verify', methods: ['GET', 'POST'], feature: undefined, checkHeaders: false },
];

/** Scopes granted by a token: Cloud Connector `scopes` (array), OAuth `scope` (string) or `scp`. */
export function grantedScopes(payload: JWTPayload): Set<string> {
  const granted = new Set<string>();
  for (const claim of [payload.scopes, payload.scp]) {
    if (Array.isArray(claim)) for (const s of claim) if (typeof s === 'string') granted.add(s);
  }
  for (const claim of [payload.scope, payload.scp, payload.scopes]) {
    if (typeof claim === 'string') for (const s of claim.split(/\s+/)) if (s !== '') granted.add(s);
  }
  return granted;
}

export type HeaderProblem = { readonly kind: 'missing' | 'mismatch'; readonly header: string };

/**
 * Checks each configured header against its claim: the header must be sent (an optional one only
 * when the token carries the claim); when the token carries the claim, the values must agree
 * (numbers compared as text).
 */
export function checkHeaders(
  pairs: readonly HeaderClaim[],
  headers: Readonly<Record<string, string | string[] | undefined>>,
  payload: JWTPayload,
): HeaderProblem | undefined {
  for (const { header, claim, optional } of pairs) {
    const raw = headers[header.toLowerCase()];
    const value = Array.isArray(raw) ? raw[0] : raw;
    const expected = payload[claim];
    const pinned = expected !== undefined && expected !== null;
    if (value === undefined || value === '') {
      if (optional && !pinned) continue;
      return { kind: 'missing', header };
    }
    if (!pinned) continue;
    const text = typeof expected === 'string' ? expected : JSON.stringify(expected);
    if (text !== value.trim()) return { kind: 'mismatch', header };
  }
  return undefined;
}
