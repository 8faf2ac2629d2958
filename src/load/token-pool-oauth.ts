/**
 * The OAuth calls of a simulated client, over real HTTP (undici): client_credentials,
 * a headless authorization_code login (mock-idp auto-approves clients without a browser with a
 * 302 carrying the code), and refresh_token. One job: turn a grant into a token response or a
 * {@link TokenRequestError} naming what the provider said.
 */
import { request } from 'undici';
import type { Dispatcher } from 'undici';

export interface TokenResponse {
  access_token: string;
  expires_in?: number;
  refresh_token?: string;
}

/** A token or authorize endpoint answer other than what the grant needs. */
export class TokenRequestError extends Error {
  constructor(
    readonly status: number,
    /** The OAuth `error` code (`invalid_grant` …) when the body had one. */
    readonly oauthError: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'TokenRequestError';
  }
}

export type GrantName = 'client_credentials' | 'authorization_code' | 'refresh_token';

export interface OAuthClientOptions {
  tokenUrl: string;
  /** Needed for `login` only. */
  authorizeUrl: string;
  dispatcher: Dispatcher;
  timeoutMs: number;
  clientSecret?: string;
  scopes?: readonly string[];
  /** The `expires_in` to ask for (mock-idp honours it), or undefined for the provider's default. */
  lifetime: () => number | undefined;
  /** Called once per grant request sent, for statistics. */
  onGrant?: (grant: GrantName) => void;
}

export interface OAuthClient {
  clientCredentials(clientId: string): Promise<TokenResponse>;
  login(clientId: string): Promise<TokenResponse>;
  refresh(clientId: string, refreshToken: string): Promise<TokenResponse>;
}

/** Where the headless login "returns"; never contacted (the 302 is read, not followed). */
const REDIRECT_URI = 'http://127.0.0.1/keystorm/callback';

export function createOAuthClient(o: OAuthClientOptions): OAuthClient {
  const credentials = (clientId: string): Record<string, string> =>
    o.clientSecret === undefined
      ? { client_id: clientId }
      : { client_id: clientId, client_secret: o.clientSecret };

  const post = async (grant: GrantName, form: Record<string, string>): Promise<TokenResponse> => {
    o.onGrant?.(grant);
    const lifetime = o.lifetime();
    const fields = {
      grant_type: grant,
      ...form,
      ...(lifetime === undefined ? {} : { expires_in: String(lifetime) }),
    };
    const res = await request(o.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(fields).toString(),
      dispatcher: o.dispatcher,
      headersTimeout: o.timeoutMs,
      bodyTimeout: o.timeoutMs,
      signal: AbortSignal.timeout(o.timeoutMs),
    });
    const text = await res.body.text();
    const parsed = parseObject(text);
    if (res.statusCode !== 200 || typeof parsed.access_token !== 'string') {
      const error = typeof parsed.error === 'string' ? parsed.error : undefined;
      const description = typeof parsed.error_description === 'string' ? `: ${parsed.error_description}` : '';
      const reason = error === undefined ? text.slice(0, 200) : `${error}${description}`;
      throw new TokenRequestError(
        res.statusCode,
        error,
        `token endpoint answered ${res.statusCode} (${reason.trim()})`,
      );
    }
    const out: TokenResponse = { access_token: parsed.access_token };
    if (typeof parsed.expires_in === 'number') out.expires_in = parsed.expires_in;
    if (typeof parsed.refresh_token === 'string') out.refresh_token = parsed.refresh_token;
    return out;
  };

  return {
    clientCredentials(clientId) {
      const scope = o.scopes === undefined ? {} : { scope: o.scopes.join(' ') };
      return post('client_credentials', { ...scope, ...credentials(clientId) });
    },
    refresh(clientId, refreshToken) {
      return post('refresh_token', { refresh_token: refreshToken, ...credentials(clientId) });
    },
    async login(clientId) {
      const url = new URL(o.authorizeUrl);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: REDIRECT_URI,
        scope: ['offline_access', ...(o.scopes ?? [])].join(' '),
        login_hint: clientId,
      }).toString();
      const res = await request(url, {
        method: 'GET',
        dispatcher: o.dispatcher,
        headersTimeout: o.timeoutMs,
        signal: AbortSignal.timeout(o.timeoutMs),
      });
      await res.body.dump();
      const location = res.headers.location;
      const code = typeof location === 'string' ? new URL(location, url).searchParams.get('code') : null;
      if (res.statusCode !== 302 || code === null) {
        throw new TokenRequestError(
          res.statusCode,
          undefined,
          `authorize endpoint answered ${res.statusCode} without a code`,
        );
      }
      return post('authorization_code', { code, redirect_uri: REDIRECT_URI, ...credentials(clientId) });
    },
  };
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const json: unknown = JSON.parse(text);
    return typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
