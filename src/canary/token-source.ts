/**
 * Tokens from the real IdP: client_credentials or refresh_token at the discovered token
 * endpoint (client id and secret from the environment), or a command of the user's. One job:
 * hand out a token or a TokenError that names what went wrong.
 */
import type { TokenSourceConfig } from './schema.ts';
import { claimsOf } from './negative-tokens.ts';
import { runTokenCommand } from './token-command.ts';
import { TokenError } from './token-error.ts';

export { TokenError } from './token-error.ts';

/** A token as the canary holds it. */
export interface IssuedToken {
  accessToken: string;
  claims: Record<string, unknown>;
  /** Epoch ms: the `exp` claim, else `expires_in` from the response, else undefined. */
  expiresAt: number | undefined;
}

export interface TokenSource {
  /** For reports: `client_credentials at https://idp/token`. */
  readonly description: string;
  /** Whether `narrower()` can be asked (IdP grants only). */
  readonly canNarrow: boolean;
  /** A newly issued token. */
  fresh(): Promise<IssuedToken>;
  /** A forced refresh: the refresh grant when a refresh token is held, else a new token. */
  refresh(): Promise<IssuedToken>;
  /** A token with a narrower scope than usual (the missing-scope case). */
  narrower(scope: string): Promise<IssuedToken>;
}

export interface TokenSourceOptions {
  config: TokenSourceConfig;
  /** From discovery; undefined for the command source. */
  tokenEndpoint: string | undefined;
  secrets: {
    clientId?: string | undefined;
    clientSecret?: string | undefined;
    refreshToken?: string | undefined;
  };
  timeoutMs: number;
  /** Awaited before every request to the IdP (the rate cap). */
  beforeRequest: () => Promise<void>;
}

export function toIssuedToken(
  accessToken: string,
  expiresIn: number | undefined,
  now = Date.now(),
): IssuedToken {
  const claims = claimsOf(accessToken);
  const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  return {
    accessToken,
    claims,
    expiresAt: exp ?? (expiresIn === undefined ? undefined : now + expiresIn * 1000),
  };
}

export function createTokenSource(options: TokenSourceOptions): TokenSource {
  const config = options.config;
  if (config.grant === 'command') {
    const run = async (): Promise<IssuedToken> => {
      await options.beforeRequest();
      const { accessToken, expiresIn } = await runTokenCommand(config.command, config.timeout);
      return toIssuedToken(accessToken, expiresIn);
    };
    return {
      description: `command ${config.command.join(' ')}`,
      canNarrow: false,
      fresh: run,
      refresh: run,
      narrower: () => Promise.reject(new TokenError('a token command cannot ask for a narrower scope')),
    };
  }
  return createOAuthSource(options, config);
}

type OAuthConfig = Exclude<TokenSourceConfig, { grant: 'command' }>;

function createOAuthSource(options: TokenSourceOptions, config: OAuthConfig): TokenSource {
  const endpoint = options.tokenEndpoint;
  if (endpoint === undefined) throw new TypeError('token endpoint: discovery did not run');
  const clientId = options.secrets.clientId ?? '';
  const secret = options.secrets.clientSecret;
  let refreshToken = options.secrets.refreshToken;
  // Refresh grants run one at a time: with rotation, two at once would present the same
  // refresh token twice, and an IdP with reuse detection would revoke the whole family.
  let refreshChain: Promise<unknown> = Promise.resolve();

  const post = async (form: Record<string, string>): Promise<IssuedToken> => {
    await options.beforeRequest();
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    const fields: Record<string, string> = { ...form };
    if (secret !== undefined && config.auth === 'client_secret_basic') {
      const encode = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');
      headers.authorization = `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
    } else {
      fields.client_id = clientId;
      if (secret !== undefined) fields.client_secret = secret;
    }
    let status: number;
    let text: string;
    try {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers,
        body: new URLSearchParams(fields).toString(),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      const e = error as Error;
      throw new TokenError(e.name === 'TimeoutError' ? 'timeout' : `unreachable (${e.message})`);
    }
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // reported below as a missing access_token
    }
    if (status !== 200 || typeof body.access_token !== 'string') {
      const code = typeof body.error === 'string' ? body.error : 'no access_token';
      throw new TokenError(`${code} (${status})`, status);
    }
    if (typeof body.refresh_token === 'string') refreshToken = body.refresh_token;
    return toIssuedToken(
      body.access_token,
      typeof body.expires_in === 'number' ? body.expires_in : undefined,
    );
  };

  const refreshGrant = (scope: string | undefined): Promise<IssuedToken> => {
    const next = refreshChain.then(() => {
      if (refreshToken === undefined) throw new TokenError('no refresh token held');
      return post({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        ...(scope === undefined ? {} : { scope }),
      });
    });
    refreshChain = next.catch(() => undefined);
    return next;
  };
  const clientCredentials = (scope: string | undefined): Promise<IssuedToken> =>
    post({ grant_type: 'client_credentials', ...(scope === undefined ? {} : { scope }) });

  const isRefreshGrant = config.grant === 'refresh_token';
  return {
    description: `${config.grant} at ${endpoint}`,
    canNarrow: true,
    fresh: () => (isRefreshGrant ? refreshGrant(config.scope) : clientCredentials(config.scope)),
    refresh: () =>
      isRefreshGrant || refreshToken !== undefined
        ? refreshGrant(config.scope)
        : clientCredentials(config.scope),
    narrower: (scope) => (isRefreshGrant ? refreshGrant(scope) : clientCredentials(scope)),
  };
}
