/**
 * Tokens a correct verifier must refuse, minted by mock-idp's admin API in small batches and
 * handed out in turn. Minting is the provider's job (it knows its keys); the pool only keeps a
 * reservoir per shape so that drawing one costs nothing on the request path.
 */
import type { CoreAdminClient } from '../../mock-idp/admin-client.ts';
import type { NegativeShape } from './outcome.ts';
import { decodeClaims } from './token-pool.ts';

/** The part of mock-idp's admin client used here (`idp.admin.tokens`). */
export type TokenMinter = Pick<CoreAdminClient['tokens'], 'mint'>;

export interface NegativeTokensOptions {
  minter: TokenMinter;
  issuer: string;
  shapes: readonly NegativeShape[];
  /** Tokens minted per shape and reused in turn. Default 32 (unknown-kid: 32 distinct kids). */
  perShape?: number;
  /** Passed to every mint (clientId, subject, scopes, audience, claims, expiresIn). */
  mint?: {
    clientId?: string;
    subject?: string;
    scopes?: string[];
    audience?: string | string[];
    claims?: Record<string, unknown>;
    expiresIn?: number;
  };
}

export interface NegativeToken {
  shape: NegativeShape;
  token: string;
  claims: Readonly<Record<string, unknown>>;
}

export interface NegativeTokens {
  /** The next token of a shape (the reservoir is cycled). */
  take(shape: NegativeShape): NegativeToken;
  readonly shapes: readonly NegativeShape[];
}

/** Mints the reservoir. Rejects (naming the shape) when mock-idp refuses a mint. */
export async function mintNegativeTokens(options: NegativeTokensOptions): Promise<NegativeTokens> {
  const perShape = options.perShape ?? 32;
  if (!Number.isInteger(perShape) || perShape < 1 || perShape > 10_000) {
    throw new TypeError(`perShape: must be an integer in [1, 10000] (got ${perShape})`);
  }
  const reservoirs = new Map<NegativeShape, { tokens: NegativeToken[]; next: number }>();
  for (const shape of new Set(options.shapes)) {
    let minted: { tokens: string[] };
    try {
      minted = await options.minter.mint(options.issuer, { ...options.mint, count: perShape, shape });
    } catch (error) {
      throw new Error(
        `minting ${perShape} '${shape}' tokens at issuer ${options.issuer} failed: ${String(error)}`,
        {
          cause: error,
        },
      );
    }
    const tokens = minted.tokens.map((token) => ({ shape, token, claims: decodeClaims(token) }));
    if (tokens.length === 0) throw new Error(`mock-idp minted no '${shape}' tokens`);
    reservoirs.set(shape, { tokens, next: 0 });
  }
  return {
    shapes: [...reservoirs.keys()],
    take(shape) {
      const reservoir = reservoirs.get(shape);
      if (reservoir === undefined) throw new TypeError(`no '${shape}' tokens were minted`);
      const token = reservoir.tokens[reservoir.next % reservoir.tokens.length] as NegativeToken;
      reservoir.next++;
      return token;
    },
  };
}
