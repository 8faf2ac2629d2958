/**
 * Client registry and client authentication. Unregistered clients are accepted with any
 * auth (none, or any secret), as mock-oauth2-server does, so a SUT or a load generator needs
 * no set-up; a registered client enforces its secret, auth method, grants and scopes.
 */
import { timingSafeEqual } from 'node:crypto';
import { OAuthError } from './responses.ts';

export const CLIENT_AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post'] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];
export const GRANTS = ['client_credentials', 'refresh_token', 'authorization_code'] as const;
export type Grant = (typeof GRANTS)[number];

export interface RegisteredClient {
  clientId: string;
  /** Required with client_secret_basic / client_secret_post. */
  secret?: string;
  /** How it must authenticate; omitted with a secret = either secret method, without one = none. */
  authMethod?: ClientAuthMethod;
  grants: Grant[];
  /** Scopes the client may ask for; undefined = any. */
  scopes?: string[];
  /** Access-token lifetime (s) for this client. */
  expiresIn?: number;
  /** Allowed redirect URIs for authorization_code; undefined = any. */
  redirectUris?: string[];
}

/** The client a token request came from. */
export interface AuthenticatedClient {
  clientId: string;
  registered: RegisteredClient | undefined;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function decodeBasic(header: string): { id: string; secret: string } {
  const encoded = header.slice(6).trim();
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0)
    throw new OAuthError(
      401,
      'invalid_client',
      'authorization: Basic credentials lack a colon',
      basicChallenge(),
    );
  try {
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before base64.
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    throw new OAuthError(
      401,
      'invalid_client',
      'authorization: Basic credentials are not form-urlencoded',
      basicChallenge(),
    );
  }
}

function basicChallenge(): Record<string, string> {
  return { 'www-authenticate': 'Basic realm="keystorm-mock-idp"' };
}

export class ClientRegistry {
  private readonly clients = new Map<string, RegisteredClient>();

  register(client: RegisteredClient): RegisteredClient {
    this.clients.set(client.clientId, client);
    return client;
  }

  remove(clientId: string): boolean {
    return this.clients.delete(clientId);
  }

  get(clientId: string): RegisteredClient | undefined {
    return this.clients.get(clientId);
  }

  list(): RegisteredClient[] {
    return [...this.clients.values()];
  }

  clear(): void {
    this.clients.clear();
  }

  /** Authenticates a token request (Basic header, or client_id + client_secret in the body). */
  authenticate(authorization: string | undefined, form: Map<string, string>): AuthenticatedClient {
    let id: string | undefined;
    let secret: string | undefined;
    let method: ClientAuthMethod;
    if (authorization !== undefined && authorization.slice(0, 6).toLowerCase() === 'basic ') {
      ({ id, secret } = decodeBasic(authorization));
      method = 'client_secret_basic';
      const bodyId = form.get('client_id');
      if (bodyId !== undefined && bodyId !== id) {
        throw new OAuthError(400, 'invalid_request', 'client_id: differs from the Basic credentials');
      }
      if (form.has('client_secret')) {
        throw new OAuthError(
          400,
          'invalid_request',
          'client_secret: use one client authentication method, not two',
        );
      }
    } else {
      id = form.get('client_id');
      secret = form.get('client_secret');
      method = secret === undefined ? 'none' : 'client_secret_post';
    }
    if (id === undefined || id === '') {
      throw new OAuthError(
        401,
        'invalid_client',
        'client_id: missing (send it in the body or as Basic credentials)',
      );
    }
    const registered = this.clients.get(id);
    if (registered === undefined) return { clientId: id, registered };
    const needsSecret =
      registered.authMethod !== 'none' &&
      (registered.secret !== undefined || registered.authMethod !== undefined);
    if (needsSecret) {
      if (registered.authMethod === undefined ? method === 'none' : method !== registered.authMethod) {
        throw new OAuthError(
          401,
          'invalid_client',
          `client ${id} must authenticate with ${registered.authMethod ?? 'a client secret'}, not ${method}`,
          method === 'client_secret_basic' ? basicChallenge() : {},
        );
      }
      if (secret === undefined || registered.secret === undefined || !sameSecret(secret, registered.secret)) {
        throw new OAuthError(
          401,
          'invalid_client',
          `client_secret: wrong secret for client ${id}`,
          method === 'client_secret_basic' ? basicChallenge() : {},
        );
      }
    }
    return { clientId: id, registered };
  }
}

/** Throws unless the client may use `grant`. */
export function assertGrantAllowed(client: AuthenticatedClient, grant: Grant): void {
  if (client.registered !== undefined && !client.registered.grants.includes(grant)) {
    throw new OAuthError(
      400,
      'unauthorized_client',
      `grant_type: client ${client.clientId} may not use ${grant}`,
    );
  }
}

/** Throws invalid_scope unless every requested scope is allowed for the client. */
export function assertScopesAllowed(client: AuthenticatedClient, scopes: string[]): void {
  const allowed = client.registered?.scopes;
  if (allowed === undefined) return;
  const denied = scopes.filter((s) => !allowed.includes(s));
  if (denied.length > 0) {
    throw new OAuthError(
      400,
      'invalid_scope',
      `scope: ${denied.join(' ')} not allowed for client ${client.clientId}`,
    );
  }
}
