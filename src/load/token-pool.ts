/**
 * Simulated OAuth clients with real tokens. Each client obtains an access token from mock-idp's
 * token endpoint over HTTP (client_credentials, or authorization_code once and then
 * refresh_token with rotation), keeps it until its expiry minus a skew, and renews it — the
 * way real clients behave, so that a canary does not reuse one token forever (the incident
 * lesson). The harness can force every client to renew now, expire all tokens at once
 * (aligned: a refresh stampede) or spread (jittered), and obtain tokens whose real `exp` values
 * fall on one shared instant or are spread by a seeded jitter.
 */
import { decodeJwt } from 'jose';
import { Agent } from 'undici';
import { HarnessError } from '../errors.ts';
import { assertTargetAllowed } from '../util/loopback.ts';
import { createRandom } from '../util/random.ts';
import type { Random } from '../util/random.ts';
import type { TokenState } from './outcome.ts';
import { createOAuthClient, TokenRequestError } from './token-pool-oauth.ts';
import type { TokenResponse } from './token-pool-oauth.ts';

export { TokenRequestError };

/** How clients renew their tokens. */
export type RenewalGrant = 'client_credentials' | 'refresh_token';

/** How the real `exp` of obtained tokens is placed. */
export type ExpiryPlacement =
  /** Whatever the provider gives (or `expiresIn`). */
  | { mode: 'natural' }
  /** `exp` rounded up to a multiple of `expiresIn` (epoch-based): every token expires together. */
  | { mode: 'aligned' }
  /** `expiresIn` plus a seeded uniform draw in [0, jitterS] seconds per token. */
  | { mode: 'jittered'; jitterS: number };

export interface TokenPoolOptions {
  /** The issuer's token endpoint, e.g. `http://127.0.0.1:4000/gitlab/token`. */
  tokenUrl: string;
  /** The issuer's authorize endpoint (refresh_token grant only); default: tokenUrl with /token → /authorize. */
  authorizeUrl?: string;
  /** Number of simulated clients. Default 1. */
  clients?: number;
  /** Client ids are `<prefix>-<n>`. Default `keystorm-client`. */
  clientIdPrefix?: string;
  /** Sent as client_secret (client_secret_post) when the clients are registered with one. */
  clientSecret?: string;
  /** Default `client_credentials`. */
  grant?: RenewalGrant;
  /** Scopes to ask for (required with the refresh_token grant). */
  scopes?: readonly string[];
  /** Lifetime to ask for, seconds (mock-idp honours `expires_in` in the request). */
  expiresIn?: number;
  /** Default natural. aligned / jittered need `expiresIn` (or use 300 s). */
  expiry?: ExpiryPlacement;
  /** Renew this long before the token expires. Default 2000 ms, at most a quarter of the lifetime. */
  refreshSkewMs?: number;
  /** A token this close to its renewal point is in state `expiring`. Default a fifth of the lifetime. */
  expiringWindowMs?: number;
  /** Seeded randomness (jitters). Default createRandom(seed). */
  random?: Random;
  seed?: number;
  /** Deadline of one token request. Default 5000 ms. */
  timeoutMs?: number;
  /** Connections to the token endpoint. Default 4. */
  connections?: number;
  /** Parallel token requests when starting or forcing a refresh. Default 8. */
  concurrency?: number;
  /** Non-loopback hosts allowed for the token endpoint. */
  allowHosts?: readonly string[];
  /** Clock, epoch ms. Default Date.now. */
  now?: () => number;
}

/** What a request goes out with. */
export interface IssuedToken {
  client: string;
  /** The access token ('' when the client never obtained one). */
  token: string;
  /** Decoded payload ({} for a token that does not decode). */
  claims: Readonly<Record<string, unknown>>;
  /** Its state when taken (src/load/outcome.ts): recorded as a tag on the request that carries it. */
  state: TokenState;
  /** Local expiry time of the token, epoch ms (from `expires_in`). */
  expiresAt: number;
  /** From this instant (epoch ms) the token counts as `expiring`. */
  expiringAt: number;
}

/**
 * The state of a token used again at `now` without a renewal (a kept token): `stale` once
 * expired (or when there is no token), `expiring` near its renewal point, else `fresh`.
 */
export function stateAt(
  token: Pick<IssuedToken, 'token' | 'expiresAt' | 'expiringAt'>,
  now: number,
): TokenState {
  if (token.token === '' || now >= token.expiresAt) return 'stale';
  return now >= token.expiringAt ? 'expiring' : 'fresh';
}

export interface TokenPoolStats {
  clients: number;
  /** Successful token responses (first tokens and renewals). */
  obtained: number;
  renewals: number;
  failures: number;
  /** Token requests by grant. */
  grants: Record<'client_credentials' | 'authorization_code' | 'refresh_token', number>;
  forcedRefreshes: number;
  /** Clients currently holding a token past its local expiry. */
  expired: number;
  lastError?: string;
}

/** A client's state, for reports and tests. */
export interface ClientView {
  id: string;
  hasToken: boolean;
  expiresAt: number;
  /** When the client will renew (expiry − skew, or earlier after expireAll). */
  renewAt: number;
  renewals: number;
}

export interface TokenPool {
  /** Obtains every client's first token. Throws when none could be obtained. */
  start(): Promise<void>;
  /**
   * The token for the next request (clients take turns). Synchronous while the token is good;
   * a Promise while the client renews (the wait is the client's, and shows as start lag).
   */
  take(): IssuedToken | Promise<IssuedToken>;
  /** Every client renews now; resolves when all have answered. */
  forceRefresh(): Promise<void>;
  /**
   * Every client treats its token as expired: all at once (`aligned`, the default: the next use
   * renews), or at a seeded uniform instant within `spreadMs` (`jittered`).
   */
  expireAll(options?: { mode?: 'aligned' | 'jittered'; spreadMs?: number }): void;
  clients(): ClientView[];
  stats(): TokenPoolStats;
  close(): Promise<void>;
}

class SimulatedClient {
  token = '';
  claims: Readonly<Record<string, unknown>> = {};
  expiresAt = 0;
  lifetimeMs = 0;
  renewAt = 0;
  refreshToken: string | undefined;
  renewals = 0;
  /** Uses of the current token; 0 right after it arrived. */
  uses = 0;
  renewed = false;
  failures = 0;
  retryAt = 0;
  inflight: Promise<void> | undefined;
  constructor(readonly id: string) {}
}

const DEFAULT_LIFETIME_S = 300;

/** Creates the pool (no HTTP until `start()` or the first `take()`). */
export function createTokenPool(options: TokenPoolOptions): TokenPool {
  const tokenUrl = assertTargetAllowed(options.tokenUrl, options.allowHosts).href;
  const grant = options.grant ?? 'client_credentials';
  const count = options.clients ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 100_000) {
    throw new TypeError(`clients: must be an integer in [1, 100000] (got ${count})`);
  }
  if (options.expiresIn !== undefined && !(Number.isInteger(options.expiresIn) && options.expiresIn >= 1)) {
    throw new TypeError(`expiresIn: must be a whole number of seconds ≥ 1 (got ${options.expiresIn})`);
  }
  if (grant === 'refresh_token' && (options.scopes === undefined || options.scopes.length === 0)) {
    throw new TypeError(
      'scopes: required with the refresh_token grant (the authorization request names them)',
    );
  }
  const authorizeUrl =
    grant === 'refresh_token'
      ? assertTargetAllowed(
          options.authorizeUrl ?? tokenUrl.replace(/\/token$/, '/authorize'),
          options.allowHosts,
        ).href
      : '';
  const expiry = options.expiry ?? { mode: 'natural' };
  if (expiry.mode === 'jittered' && !(expiry.jitterS >= 0))
    throw new TypeError('expiry.jitterS: must be ≥ 0');
  const random = options.random ?? createRandom(options.seed);
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 5000;
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const dispatcher = new Agent({ connections: options.connections ?? 4, keepAliveTimeout: 10_000 });
  const prefix = options.clientIdPrefix ?? 'keystorm-client';
  const clients = Array.from({ length: count }, (_, i) => new SimulatedClient(`${prefix}-${i}`));
  const stats: TokenPoolStats = {
    clients: count,
    obtained: 0,
    renewals: 0,
    failures: 0,
    grants: { client_credentials: 0, authorization_code: 0, refresh_token: 0 },
    forcedRefreshes: 0,
    expired: 0,
  };
  let turn = 0;
  let closed = false;

  /** The `expires_in` to ask for, placing the real exp as configured. */
  const requestedLifetime = (): number | undefined => {
    if (expiry.mode === 'natural') return options.expiresIn;
    const lifetime = options.expiresIn ?? DEFAULT_LIFETIME_S;
    if (expiry.mode === 'jittered') return lifetime + random.int(0, Math.floor(expiry.jitterS));
    const nowS = Math.floor(now() / 1000);
    // The next multiple of the lifetime at least one lifetime away (mock-idp's own alignedExpiry rule).
    return Math.ceil((nowS + lifetime) / lifetime) * lifetime - nowS;
  };

  const oauth = createOAuthClient({
    tokenUrl,
    authorizeUrl,
    dispatcher,
    timeoutMs,
    ...(options.clientSecret === undefined ? {} : { clientSecret: options.clientSecret }),
    ...(options.scopes === undefined ? {} : { scopes: options.scopes }),
    lifetime: requestedLifetime,
    onGrant: (g) => stats.grants[g]++,
  });

  const obtain = async (client: SimulatedClient): Promise<TokenResponse> => {
    if (grant === 'client_credentials') return oauth.clientCredentials(client.id);
    if (client.refreshToken !== undefined) {
      try {
        return await oauth.refresh(client.id, client.refreshToken);
      } catch (error) {
        // A rotated-away or revoked refresh token: log in again, as a real client would.
        if (!(error instanceof TokenRequestError) || error.oauthError !== 'invalid_grant') throw error;
        client.refreshToken = undefined;
      }
    }
    return oauth.login(client.id);
  };

  const renew = (client: SimulatedClient): Promise<void> => {
    client.inflight ??= (async () => {
      const hadToken = client.token !== '';
      try {
        const response = await obtain(client);
        const receivedAt = now();
        const lifetimeMs = (response.expires_in ?? DEFAULT_LIFETIME_S) * 1000;
        const skew = Math.min(options.refreshSkewMs ?? 2000, lifetimeMs / 4);
        client.token = response.access_token;
        client.claims = decodeClaims(response.access_token);
        client.expiresAt = receivedAt + lifetimeMs;
        client.lifetimeMs = lifetimeMs;
        client.renewAt = client.expiresAt - skew;
        if (response.refresh_token !== undefined) client.refreshToken = response.refresh_token;
        client.uses = 0;
        client.renewed = hadToken;
        client.failures = 0;
        client.retryAt = 0;
        stats.obtained++;
        if (hadToken) {
          stats.renewals++;
          client.renewals++;
        }
      } catch (error) {
        client.failures++;
        // Back off so that a failing provider is not hammered by every request: 250 ms doubling to 5 s.
        client.retryAt = now() + Math.min(5000, 250 * 2 ** Math.min(client.failures - 1, 5));
        stats.failures++;
        stats.lastError = error instanceof Error ? error.message : String(error);
      } finally {
        client.inflight = undefined;
      }
    })();
    return client.inflight;
  };

  const issue = (client: SimulatedClient): IssuedToken => {
    const issued = {
      client: client.id,
      token: client.token,
      claims: client.claims,
      expiresAt: client.expiresAt,
      expiringAt: client.renewAt - (options.expiringWindowMs ?? client.lifetimeMs / 5),
    };
    let state = stateAt(issued, now());
    if (state !== 'stale' && client.renewed && client.uses === 0) state = 'refreshed';
    client.uses++;
    return { ...issued, state };
  };

  const runAll = async (fn: (client: SimulatedClient) => Promise<void>): Promise<void> => {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < clients.length && !closed) {
        const client = clients[next++];
        if (client !== undefined) await fn(client);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, clients.length) }, worker));
  };

  return {
    async start() {
      await runAll((client) => renew(client));
      if (clients.every((c) => c.token === '')) {
        throw new HarnessError(
          'ERR_SUT_NOT_READY',
          `no client could obtain a token from ${tokenUrl}: ${stats.lastError ?? 'unknown error'}`,
        );
      }
    },
    take() {
      if (closed) throw new HarnessError('ERR_INTERNAL', 'token pool is closed');
      const client = clients[turn++ % clients.length] as SimulatedClient;
      if (client.inflight !== undefined) return client.inflight.then(() => issue(client));
      const t = now();
      if ((client.token === '' || t >= client.renewAt) && t >= client.retryAt) {
        return renew(client).then(() => issue(client));
      }
      return issue(client);
    },
    async forceRefresh() {
      stats.forcedRefreshes++;
      await runAll(async (client) => {
        // A renewal already on the wire counts; otherwise start one now.
        await (client.inflight ?? renew(client));
      });
    },
    expireAll(opts = {}) {
      const t = now();
      const mode = opts.mode ?? 'aligned';
      if (mode === 'jittered' && !(opts.spreadMs !== undefined && opts.spreadMs >= 0)) {
        throw new TypeError('expireAll: jittered needs spreadMs ≥ 0');
      }
      for (const client of clients) {
        const at = mode === 'aligned' ? t : t + random.int(0, Math.floor(opts.spreadMs ?? 0));
        client.renewAt = Math.min(client.renewAt, at);
        client.retryAt = 0;
      }
    },
    clients() {
      return clients.map((c) => ({
        id: c.id,
        hasToken: c.token !== '',
        expiresAt: c.expiresAt,
        renewAt: c.renewAt,
        renewals: c.renewals,
      }));
    },
    stats() {
      const t = now();
      return {
        ...stats,
        grants: { ...stats.grants },
        expired: clients.filter((c) => c.token !== '' && t >= c.expiresAt).length,
      };
    },
    async close() {
      closed = true;
      await Promise.allSettled(clients.flatMap((c) => (c.inflight === undefined ? [] : [c.inflight])));
      await dispatcher.close();
    },
  };
}

/** The payload of a JWT, or {} when it does not decode (malformed tokens have no claims). */
export function decodeClaims(token: string): Readonly<Record<string, unknown>> {
  try {
    return decodeJwt(token);
  } catch {
    return {};
  }
}
