/**
 * The one table of expected answers: what a correct SUT answers to each case of request keystorm
 * sends. Scenarios' request mixes take every request's `expect` from it, the canary's negative
 * cases take their default statuses from it, and its success row is the engine's own rule for a
 * request that names no expectation (what `keystorm load` sends). docs/token-pool.md prints it,
 * and a test holds the two together.
 *
 * Authentication failures are 401 and authorisation failures 403 (RFC 6750 §3.1:
 * `invalid_token` vs `insufficient_scope`); nothing here expects "401 or 403".
 */
import type { TokenShape } from '../../mock-idp/tokens/mint.ts';

/**
 * A pooled token's state when a request takes it, recorded as a tag on that request:
 * - `fresh`: valid, well within its lifetime;
 * - `expiring`: valid, close to its client's renewal point;
 * - `refreshed`: the first use of a token obtained by renewing an earlier one;
 * - `stale`: past its expiry (the client could not renew), or the client never got one.
 */
export const TOKEN_STATES = ['fresh', 'expiring', 'refreshed', 'stale'] as const;
export type TokenState = (typeof TOKEN_STATES)[number];

/** Claim-derived headers of a request: sent right, left out, or with a value that is not the claim's. */
export type HeaderMode = 'ok' | 'omit' | 'mismatch';

/**
 * What a request carries, as far as the answer due goes: a pooled token in a state, a token
 * minted in a shape (mock-idp's list), no token, or a valid token with its claim headers faulted.
 */
export type RequestCase = TokenState | TokenShape | 'no-token' | 'header-missing' | 'header-mismatch';

/** `success`: the route's `expect` when it has one, else any 2xx or 3xx (the engine's default, as in k6). */
export type Expectation = 'success' | readonly [401] | readonly [403];

const UNAUTHENTICATED = Object.freeze([401] as const);
const FORBIDDEN = Object.freeze([403] as const);

/**
 * The table. A `Record` over every case, so a token shape added to mock-idp does not compile
 * until it has a row here.
 */
export const EXPECTED: Readonly<Record<RequestCase, Expectation>> = Object.freeze({
  // Valid tokens.
  fresh: 'success',
  expiring: 'success',
  refreshed: 'success',
  valid: 'success',
  'short-lived': 'success',
  // Valid token, not allowed on the route: authorisation, 403.
  'missing-scope': FORBIDDEN,
  // Everything a verifier must refuse as unauthenticated: 401.
  stale: UNAUTHENTICATED,
  expired: UNAUTHENTICATED,
  'not-yet-valid': UNAUTHENTICATED,
  'issued-in-future': UNAUTHENTICATED,
  'wrong-issuer': UNAUTHENTICATED,
  'wrong-audience': UNAUTHENTICATED,
  'bad-signature': UNAUTHENTICATED,
  'rogue-key': UNAUTHENTICATED,
  'revoked-key': UNAUTHENTICATED,
  'alg-none': UNAUTHENTICATED,
  'hs256-confusion': UNAUTHENTICATED,
  malformed: UNAUTHENTICATED,
  'unknown-kid': UNAUTHENTICATED,
  'no-token': UNAUTHENTICATED,
  'header-missing': UNAUTHENTICATED,
  'header-mismatch': UNAUTHENTICATED,
});

/** Every case of the table, in its order. */
export const REQUEST_CASES = Object.keys(EXPECTED) as RequestCase[];

/**
 * The case that decides a request's answer. A token the verifier must refuse decides first
 * (401 before anything else is looked at); then faulted claim headers (401, authentication);
 * then the token's own row (a missing scope is 403 only for an otherwise valid request).
 */
export function requestCase(token: RequestCase, headers: HeaderMode = 'ok'): RequestCase {
  const row = EXPECTED[token];
  if (headers === 'ok' || (row !== 'success' && row[0] === 401)) return token;
  return headers === 'omit' ? 'header-missing' : 'header-mismatch';
}

/** The status a refusal case expects (the canary's negative cases take their defaults from it). */
export function refusalStatus(c: RequestCase): number {
  const row = EXPECTED[c];
  if (row === 'success') throw new TypeError(`${c}: a valid request, not a refusal`);
  return row[0];
}

export interface ExpectationInput {
  token: RequestCase;
  headers?: HeaderMode;
  /** What the scenario's mix entry says it expects, if it says. */
  declared?: readonly number[];
  /** The route's `expect` (statuses a valid request gets), if it has one. */
  success?: readonly number[];
}

/**
 * The statuses a request expects; `undefined` means any 2xx or 3xx (the engine's rule). A mix
 * entry's own `expect` replaces the table, except for a stale token: its expiry decides, so it
 * is expected to be refused whatever the entry says (an entry expecting 200 of a token that has
 * since expired would otherwise count a correct 401 as a failure).
 */
export function expectationFor(input: ExpectationInput): readonly number[] | undefined {
  if (input.token === 'stale') return UNAUTHENTICATED;
  if (input.declared !== undefined) return input.declared;
  const row = EXPECTED[requestCase(input.token, input.headers)];
  return row === 'success' ? input.success : row;
}

export function isTokenState(tag: string): tag is TokenState {
  return (TOKEN_STATES as readonly string[]).includes(tag);
}
