/**
 * GET|POST /{issuer}/authorize: the authorization-code front channel. Headless clients are
 * auto-approved (302 straight back with a code); `prompt=login` serves a minimal HTML login
 * form instead, for browser journeys, whose POST approves as the typed user.
 */
import type { PreparedResponse } from '../contracts.ts';
import type { IssuerRuntime } from '../issuer.ts';
import { CODE_TTL_MS } from './grants-store.ts';
import { htmlResponse, OAuthError, parseForm, redirect } from './responses.ts';

const DEFAULT_LOGIN = 'keystorm-user';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginPage(issuer: string, params: Map<string, string>): PreparedResponse {
  const hidden = [...params]
    .filter(([k]) => k !== 'prompt' && k !== 'username')
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('\n      ');
  const user = escapeHtml(params.get('login_hint') ?? DEFAULT_LOGIN);
  return htmlResponse(
    200,
    `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Sign in · ${escapeHtml(issuer)} (keystorm mock-idp)</title></head>
  <body>
    <h1>Sign in to ${escapeHtml(issuer)}</h1>
    <form method="post" action="authorize">
      ${hidden}
      <label for="username">Username</label>
      <input id="username" name="username" value="${user}" autocomplete="username">
      <button type="submit" id="approve">Sign in</button>
    </form>
  </body>
</html>
`,
  );
}

export function authorizeEndpoint(
  issuer: IssuerRuntime,
  method: string,
  query: string,
  body: Buffer,
): PreparedResponse {
  const params = parseForm(method === 'POST' ? body.toString('utf8') : query);
  const clientId = params.get('client_id');
  if (clientId === undefined || clientId === '')
    throw new OAuthError(400, 'invalid_request', 'client_id: missing');
  const redirectUri = params.get('redirect_uri');
  if (redirectUri === undefined || !URL.canParse(redirectUri)) {
    throw new OAuthError(400, 'invalid_request', 'redirect_uri: missing or not an absolute URL');
  }
  const registered = issuer.clients.get(clientId);
  if (registered?.redirectUris !== undefined && !registered.redirectUris.includes(redirectUri)) {
    throw new OAuthError(400, 'invalid_request', `redirect_uri: not registered for client ${clientId}`);
  }
  if (registered !== undefined && !registered.grants.includes('authorization_code')) {
    throw new OAuthError(400, 'unauthorized_client', `client_id: ${clientId} may not use authorization_code`);
  }
  const responseType = params.get('response_type');
  if (responseType !== 'code') {
    throw new OAuthError(
      400,
      'unsupported_response_type',
      `response_type: ${JSON.stringify(responseType ?? null)} is not supported (use code)`,
    );
  }
  const challenge = params.get('code_challenge');
  const challengeMethod = params.get('code_challenge_method');
  if (challenge !== undefined) {
    if (challengeMethod !== 'S256')
      throw new OAuthError(400, 'invalid_request', 'code_challenge_method: only S256 is supported');
    if (!/^[A-Za-z0-9_-]{43}$/.test(challenge))
      throw new OAuthError(400, 'invalid_request', 'code_challenge: not a base64url SHA-256');
  } else if (challengeMethod !== undefined) {
    throw new OAuthError(
      400,
      'invalid_request',
      'code_challenge: missing while code_challenge_method is set',
    );
  }
  const scopes = (params.get('scope') ?? 'openid').split(' ').filter((s) => s !== '');
  const allowed = registered?.scopes;
  if (allowed !== undefined) {
    const denied = scopes.filter((s) => !allowed.includes(s) && s !== 'openid' && s !== 'offline_access');
    if (denied.length > 0)
      throw new OAuthError(
        400,
        'invalid_scope',
        `scope: ${denied.join(' ')} not allowed for client ${clientId}`,
      );
  }
  if (method === 'GET' && params.get('prompt') === 'login') return loginPage(issuer.name, params);

  const subject = params.get('username') ?? params.get('login_hint') ?? DEFAULT_LOGIN;
  const now = issuer.now();
  const code = issuer.grants.issueCode({
    clientId,
    redirectUri,
    codeChallenge: challenge,
    scopes,
    subject,
    nonce: params.get('nonce'),
    authTime: now,
    expiresAt: now + CODE_TTL_MS,
  });
  const location = new URL(redirectUri);
  location.searchParams.set('code', code);
  const state = params.get('state');
  if (state !== undefined) location.searchParams.set('state', state);
  location.searchParams.set('iss', issuer.config.issuerUrl); // RFC 9207
  return redirect(location.href);
}
