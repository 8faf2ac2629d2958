/**
 * Where keys come from: the provider's JWKS URL (given, or discovered through
 * `.well-known/openid-configuration`), fetched through the shared outbound pool and parsed.
 * The JWKS URL is only ever the configured one or the one the configured provider's discovery
 * document names: nothing in a token (`iss`, `jku`, `x5u`) chooses what is fetched (FM23).
 */
import type { ProviderConfig } from './config.ts';
import { LOG, type Logger } from './log.ts';
import { FetchError, type Outbound } from './outbound.ts';
import { parseKeySet, type KeySet } from './keyset.ts';

export interface FetchedKeySet {
  readonly set: KeySet;
  readonly maxAgeSeconds: number | undefined;
}

export interface KeySourceOptions {
  readonly outbound: Outbound;
  readonly log: Logger;
  readonly fetchTimeoutMs: number;
  /** Reuse a discovered jwks_uri this long (and keep it when discovery fails); 0 = rediscover on every fetch. */
  readonly discoveryTtlMs: number;
  /** Refuse implausible key sets (hardened) instead of taking whatever parses (naive). */
  readonly strict: boolean;
  readonly now?: () => number;
}

export class KeySource {
  private readonly options: KeySourceOptions;
  private readonly discovered = new Map<string, { jwksUrl: string; at: number }>();

  constructor(options: KeySourceOptions) {
    this.options = options;
  }

  /** Fetches and parses provider's key set. Throws FetchError. */
  async fetch(provider: ProviderConfig): Promise<FetchedKeySet> {
    const jwksUrl = await this.jwksUrl(provider);
    const { json: set, maxAgeSeconds } = await this.options.outbound.getJson(
      jwksUrl,
      { provider: provider.name, kind: 'jwks', timeoutMs: this.options.fetchTimeoutMs },
      (json) => parseKeySet(json, { strict: this.options.strict }),
    );
    return { set, maxAgeSeconds };
  }

  /** The JWKS URL for provider: configured, or discovered (cached long, stale on error). */
  async jwksUrl(provider: ProviderConfig): Promise<string> {
    if (provider.jwksUrl !== undefined) return provider.jwksUrl;
    const now = (this.options.now ?? Date.now)();
    const cached = this.discovered.get(provider.name);
    if (cached !== undefined && now - cached.at < this.options.discoveryTtlMs) return cached.jwksUrl;
    try {
      const jwksUrl = await this.discover(provider);
      if (this.options.discoveryTtlMs > 0) this.discovered.set(provider.name, { jwksUrl, at: now });
      return jwksUrl;
    } catch (error) {
      if (cached === undefined) throw error;
      // Discovery is not allowed to become a recurring single point of failure (FM16).
      this.options.log.warn('discovery failed, reusing the jwks_uri discovered before', {
        oidc_provider: provider.name,
        error: error instanceof Error ? error.message : String(error),
      });
      return cached.jwksUrl;
    }
  }

  private async discover(provider: ProviderConfig): Promise<string> {
    const url = `${provider.baseUrl}/.well-known/openid-configuration`;
    const { json: jwksUri } = await this.options.outbound.getJson(
      url,
      { provider: provider.name, kind: 'discovery', timeoutMs: this.options.fetchTimeoutMs },
      (json) => {
        const uri = (json as { jwks_uri?: unknown } | null)?.jwks_uri;
        if (typeof uri !== 'string') throw new FetchError('implausible', `discovery ${url} has no jwks_uri`);
        try {
          const parsed = new URL(uri);
          if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
        } catch {
          throw new FetchError(
            'implausible',
            `discovery ${url} names an invalid jwks_uri ${JSON.stringify(uri)}`,
          );
        }
        return uri;
      },
    );
    return jwksUri;
  }
}

/** Logs a failed fetch with nothing cached to fall back to (the seed's second alert line). */
export function logIncomplete(log: Logger, provider: string, error: unknown): void {
  log.error(LOG.incompleteJwksCached, {
    oidc_provider: provider,
    error: error instanceof Error ? error.message : String(error),
    failure: error instanceof FetchError ? error.kind : 'network',
  });
}
