/**
 * Expected outcome per request kind. A negative case (a token the SUT must refuse, a missing or
 * mismatched claim header) expects 401 or 403; everything else expects a success. The engine
 * counts an outcome outside `expect` as unexpected, and a 2xx where only 401/403 was due as a
 * security failure (src/load/counts.ts): this file only decides what each kind expects.
 */
import { TOKEN_SHAPES } from '../../mock-idp/tokens/mint.ts';
import type { TokenShape } from '../../mock-idp/tokens/mint.ts';
import { isExpected, isSecurityFailure } from './counts.ts';

/** Token shapes mock-idp mints that a correct verifier must reject: all but the valid ones. */
export type NegativeShape = Exclude<TokenShape, 'valid' | 'short-lived'>;
export const NEGATIVE_SHAPES: readonly NegativeShape[] = TOKEN_SHAPES.filter(
  (shape): shape is NegativeShape => shape !== 'valid' && shape !== 'short-lived',
);

/** Claim-header faults of request templates. */
export const HEADER_FAULTS = ['header-missing', 'header-mismatch'] as const;
export type HeaderFault = (typeof HEADER_FAULTS)[number];

/**
 * Kinds of request the token pool produces:
 * - `fresh`: a valid token well within its lifetime;
 * - `expiring`: a valid token close to its refresh point;
 * - `refreshed`: the first use of a token obtained by renewing an earlier one;
 * - `stale`: the client could not renew and sends its expired token (the SUT must refuse it);
 * - `negative:<shape>` / `negative:<header fault>`: a case the SUT must refuse.
 */
export type RequestKind =
  'fresh' | 'expiring' | 'refreshed' | 'stale' | `negative:${NegativeShape}` | `negative:${HeaderFault}`;

/** What a refusal looks like: 401 (bad token) or 403 (good token, not allowed). */
export const REFUSED: readonly number[] = Object.freeze([401, 403]);

export function isNegativeShape(shape: string): shape is NegativeShape {
  return (NEGATIVE_SHAPES as readonly string[]).includes(shape);
}

/**
 * The `expect` list for a kind: 401/403 for negative and stale kinds; `undefined` (any 2xx or
 * 3xx, the engine's default) for the others unless `success` names the statuses.
 */
export function expectFor(kind: string, success?: readonly number[]): readonly number[] | undefined {
  if (kind === 'stale' || kind.startsWith('negative:')) return REFUSED;
  return success;
}

export type OutcomeClass = 'expected' | 'unexpected' | 'security-failure';

/** Classifies a response the way the engine counts it (for reports and tests). */
export function classifyOutcome(status: number, expect: readonly number[] | undefined): OutcomeClass {
  if (isSecurityFailure(status, expect)) return 'security-failure';
  return isExpected(status, expect) ? 'expected' : 'unexpected';
}
