/**
 * POST /{issuer}/token: client_credentials, refresh_token (rotation + reuse detection) and
 * authorization_code (+ PKCE S256). Answers with RFC 6749 token or error JSON.
 */
import { randomUUID } from 'node:crypto';
import type { PreparedResponse } from '../contracts.ts';
import type { IssuerRuntime } from '../issuer.ts';
import { mintTokens, signWithIssuer } from '../tokens/mint.ts';
import { assertGrantAllowed, assertScopesAllowed, type AuthenticatedClient, type Grant } from './clients.ts';
import { s256 } from './grants-store.ts';
import { jsonResponse, OAuthError, parseForm } from './responses.ts';

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

function scopesFrom(form: Map<string, string>): string[] | undefined {
  const raw = form.get('scope');
  if (raw === undefined) return undefined;
  const scopes = raw.split(' ').filter((s) => s !== '');
  return scopes;
}

function required(form: Map<string, string>, name: string): string {
  const value = form.get(name);
  if (value === undefined || value === '') throw new OAuthError(400, 'invalid_request', `${name}: missing`);
  return value;
}

function lifetimeFor(issuer: IssuerRuntime, client: AuthenticatedClient, form: Map<string, string>): number {
  // Non-standard convenience for load generators: `expires_in` in the request (seconds).
  const requested = form.get('expires_in');
  if (requested !== undefined) {
    const value = Number(requested);
    if (!Number.isInteger(value) || value < 1 || value > 31_536_000) {
      throw new OAuthError(
        400,
        'invalid_request',
        'expires_in: must be an integer number of seconds in [1, 31536000]',
      );
    }
    return value;
  }
  return client.registered?.expiresIn ?? issuer.config.template.expiresIn;
}

async function accessToken(
  issuer: IssuerRuntime,
  client: AuthenticatedClient,
  grant: Grant,
  subject: string,
  scopes: string[],
  lifetime: number,
): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number; scope: string }> {
  const minted = await mintTokens(issuer.tokenContext, {
    clientId: client.clientId,
    subject,
    scopes: scopes.filter((s) => s !== 'openid' && s !== 'offline_access'),
    expiresIn: lifetime,
    grant,
  });
  return {
    access_token: minted.tokens[0] as string,
    token_type: 'Bearer',
    expires_in: lifetime,
    scope: scopes.join(' '),
  };
}

export async function tokenEndpoint(
  issuer: IssuerRuntime,
  body: Buffer,
  contentType: string | undefined,
  authorization: string | undefined,
): Promise<PreparedResponse> {
  if (
    contentType === undefined ||
    !contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')
  ) {
    throw new OAuthError(400, 'invalid_request', 'content-type: must be application/x-www-form-urlencoded');
  }
  const form = parseForm(body.toString('utf8'));
  const grantType = form.get('grant_type');
  if (grantType === undefined) throw new OAuthError(400, 'invalid_request', 'grant_type: missing');
  const client = issuer.clients.authenticate(authorization, form);
  switch (grantType) {
    case 'client_credentials': {
      assertGrantAllowed(client, 'client_credentials');
      const scopes = scopesFrom(form) ?? client.registered?.scopes ?? issuer.config.template.scopes;
      assertScopesAllowed(client, scopes);
      const response = await accessToken(
        issuer,
        client,
        'client_credentials',
        client.clientId,
        scopes,
        lifetimeFor(issuer, client, form),
      );
      return jsonResponse(200, response, NO_STORE);
    }
    case 'authorization_code':
      return jsonResponse(200, await codeGrant(issuer, client, form), NO_STORE);
    case 'refresh_token':
      return jsonResponse(200, await refreshGrant(issuer, client, form), NO_STORE);
    default:
      throw new OAuthError(
        400,
        'unsupported_grant_type',
        `grant_type: ${JSON.stringify(grantType)} is not supported`,
      );
  }
}

async function codeGrant(
  issuer: IssuerRuntime,
  client: AuthenticatedClient,
  form: Map<string, string>,
): Promise<Record<string, unknown>> {
  assertGrantAllowed(client, 'authorization_code');
  const code = required(form, 'code');
  const grant = issuer.grants.takeCode(code);
  if (grant === undefined)
    throw new OAuthError(400, 'invalid_grant', 'code: unknown, expired or already used');
  if (grant.clientId !== client.clientId)
    throw new OAuthError(400, 'invalid_grant', 'code: issued to another client');
  if (grant.expiresAt <= issuer.now()) throw new OAuthError(400, 'invalid_grant', 'code: expired');
  if (form.get('redirect_uri') !== grant.redirectUri) {
    throw new OAuthError(400, 'invalid_grant', 'redirect_uri: does not match the authorization request');
  }
  const verifier = form.get('code_verifier');
  if (grant.codeChallenge !== undefined) {
    if (verifier === undefined)
      throw new OAuthError(400, 'invalid_grant', 'code_verifier: missing (PKCE was used)');
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) {
      throw new OAuthError(400, 'invalid_grant', 'code_verifier: must be 43–128 unreserved characters');
    }
    if (s256(verifier) !== grant.codeChallenge)
      throw new OAuthError(400, 'invalid_grant', 'code_verifier: does not match code_challenge');
  } else if (verifier !== undefined) {
    throw new OAuthError(
      400,
      'invalid_grant',
      'code_verifier: sent, but the authorization request had no code_challenge',
    );
  }
  const lifetime = lifetimeFor(issuer, client, form);
  const response: Record<string, unknown> = await accessToken(
    issuer,
    client,
    'authorization_code',
    grant.subject,
    grant.scopes,
    lifetime,
  );
  if (grant.scopes.includes('openid')) {
    const nowS = Math.floor(issuer.now() / 1000);
    const claims: Record<string, unknown> = {
      iss: issuer.config.issuerUrl,
      sub: grant.subject,
      aud: client.clientId,
      iat: nowS,
      exp: nowS + lifetime,
      auth_time: Math.floor(grant.authTime / 1000),
      jti: randomUUID(),
    };
    if (grant.nonce !== undefined) claims.nonce = grant.nonce;
    const { token, kid, alg } = await signWithIssuer(issuer.tokenContext, claims);
    issuer.tokenContext.hooks.onTokenIssued({
      issuer: issuer.name,
      grant: 'authorization_code',
      alg,
      kid,
      shape: 'id_token',
    });
    response.id_token = token;
  }
  response.refresh_token = issuer.grants.issueRefresh({
    clientId: client.clientId,
    subject: grant.subject,
    scopes: grant.scopes,
  });
  return response;
}

async function refreshGrant(
  issuer: IssuerRuntime,
  client: AuthenticatedClient,
  form: Map<string, string>,
): Promise<Record<string, unknown>> {
  assertGrantAllowed(client, 'refresh_token');
  const token = required(form, 'refresh_token');
  const grant = issuer.grants.redeemRefresh(token);
  if (grant === 'unknown') throw new OAuthError(400, 'invalid_grant', 'refresh_token: unknown');
  if (grant === 'reused') {
    issuer.tokenContext.hooks.onEvent({ type: 'refresh.reuse-detected', issuer: issuer.name });
    throw new OAuthError(400, 'invalid_grant', 'refresh_token: already used; the token family is revoked');
  }
  if (grant === 'revoked')
    throw new OAuthError(400, 'invalid_grant', 'refresh_token: its family was revoked after reuse');
  if (grant.clientId !== client.clientId)
    throw new OAuthError(400, 'invalid_grant', 'refresh_token: issued to another client');
  let scopes = grant.scopes;
  const asked = scopesFrom(form);
  if (asked !== undefined) {
    const extra = asked.filter((s) => !grant.scopes.includes(s));
    if (extra.length > 0)
      throw new OAuthError(400, 'invalid_scope', `scope: ${extra.join(' ')} exceeds the original grant`);
    scopes = asked;
  }
  const response: Record<string, unknown> = await accessToken(
    issuer,
    client,
    'refresh_token',
    grant.subject,
    scopes,
    lifetimeFor(issuer, client, form),
  );
  response.refresh_token = issuer.grants.issueRefresh(
    { clientId: client.clientId, subject: grant.subject, scopes: grant.scopes },
    grant.family,
  );
  return response;
}
