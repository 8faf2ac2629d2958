/**
 * Tokens minted in a shape (expired, unknown-kid, missing-scope …) by mock-idp's admin API, in
 * batches per (issuer, shape) handed out in turn. Minting is the provider's job (it knows its
 * keys); this keeps the batches so that a request costs one HTTP mint per batch, not per request,
 * and forgets them when the keys, clock or claims they were signed under change.
 */
import type { CoreAdminClient } from '../../mock-idp/admin-client.ts';
import type { TokenShape } from '../../mock-idp/tokens/mint.ts';

/** The part of mock-idp's admin client used here (`idp.admin.tokens`). */
export type TokenMinter = Pick<CoreAdminClient['tokens'], 'mint'>;

export interface MintedTokensOptions {
  minter: TokenMinter;
  /** Tokens per (issuer, shape) batch, reused in turn (unknown-kid: that many distinct kids). Default 32. */
  batch?: number;
  /** Lifetime asked for each minted token, seconds (the shape decides `exp` for expired ones). */
  expiresIn?: number;
}

export interface MintedTokens {
  /** The next token of a shape at an issuer; mints a batch first when there is none. */
  take(issuer: string, shape: TokenShape): Promise<string>;
  /** Forgets every batch: the next take mints under the provider's current keys and claims. */
  invalidate(): void;
}

export function createMintedTokens(options: MintedTokensOptions): MintedTokens {
  const size = options.batch ?? 32;
  if (!Number.isInteger(size) || size < 1 || size > 10_000) {
    throw new TypeError(`batch: must be an integer in [1, 10000] (got ${size})`);
  }
  const batches = new Map<string, Promise<string[]>>();
  const cursors = new Map<string, number>();
  return {
    async take(issuer, shape) {
      const key = `${issuer}\u0000${shape}`;
      let batch = batches.get(key);
      if (batch === undefined) {
        batch = options.minter
          .mint(issuer, {
            count: size,
            shape,
            ...(options.expiresIn === undefined ? {} : { expiresIn: options.expiresIn }),
          })
          .then((r) => r.tokens);
        // A failed mint is retried by the next request rather than kept.
        batch.catch(() => batches.delete(key));
        batches.set(key, batch);
      }
      const tokens = await batch;
      const cursor = cursors.get(key) ?? 0;
      cursors.set(key, cursor + 1);
      const token = tokens[cursor % Math.max(1, tokens.length)];
      if (token === undefined) throw new Error(`mock-idp minted no '${shape}' tokens at ${issuer}`);
      return token;
    },
    invalidate() {
      batches.clear();
    },
  };
}
