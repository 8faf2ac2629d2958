/**
 * mock-idp as a relying party sees it: discovery, tokens verified with jose's remote JWKS and
 * with openid-client, the PKCE flow end to end, refresh rotation with reuse detection,
 * client authentication, userinfo and client-prefixed URLs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { startMockIdp, type MockIdp } from '../../mock-idp/index.ts';
import { basic, getJson, postForm } from './helpers.ts';

describe('mock-idp from a relying party', () => {
  let idp: MockIdp;
  let gitlab: MockIdp['issuers'][number];

  before(async () => {
    idp = await startMockIdp({ alg: 'RS256', seed: 7 });
    gitlab = idp.urlsFor('gitlab');
  });
  after(() => idp.close());

  it('starts two issuers by default, each with its own discovery document', async () => {
    assert.deepEqual(
      idp.issuers.map((i) => i.name),
      ['gitlab', 'customersdot'],
    );
    for (const issuer of idp.issuers) {
      const { status, body } = await getJson(issuer.discoveryUrl);
      assert.equal(status, 200);
      const doc = body as Record<string, unknown>;
      assert.equal(doc.issuer, issuer.issuerUrl);
      assert.equal(doc.jwks_uri, issuer.jwksUrl);
      assert.equal(doc.token_endpoint, issuer.tokenUrl);
      assert.deepEqual(doc.code_challenge_methods_supported, ['S256']);
    }
  });

  it('advertises exactly the algorithms of the keys it serves', async () => {
    await idp.admin.keys.add('customersdot', { alg: 'ES256', state: 'next' });
    const doc = (await getJson(idp.urlsFor('customersdot').discoveryUrl)).body as {
      id_token_signing_alg_values_supported: string[];
    };
    const jwks = (await getJson(idp.urlsFor('customersdot').jwksUrl)).body as { keys: { alg: string }[] };
    assert.deepEqual(
      [...doc.id_token_signing_alg_values_supported].sort(),
      [...new Set(jwks.keys.map((k) => k.alg))].sort(),
    );
    assert.deepEqual([...doc.id_token_signing_alg_values_supported].sort(), ['ES256', 'RS256']);
  });

  it('issues client_credentials tokens that jose verifies against the remote JWKS', async () => {
    const { status, body, headers } = await postForm(gitlab.tokenUrl, {
      grant_type: 'client_credentials',
      client_id: 'any-client',
    });
    assert.equal(status, 200);
    assert.equal(headers.get('cache-control'), 'no-store');
    const token = body as { access_token: string; token_type: string; expires_in: number; scope: string };
    assert.equal(token.token_type, 'Bearer');
    assert.equal(token.expires_in, 3600);
    const { payload, protectedHeader } = await jwtVerify(
      token.access_token,
      createRemoteJWKSet(new URL(gitlab.jwksUrl)),
      {
        issuer: gitlab.issuerUrl,
        audience: 'gitlab-ai-gateway',
      },
    );
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(payload.client_id, 'any-client');
    assert.equal(payload.scope, 'code_suggestions duo_chat');
    assert.equal(payload.gitlab_realm, 'saas');
  });

  it('honours expires_in per request and per registered client', async () => {
    const perRequest = await postForm(gitlab.tokenUrl, {
      grant_type: 'client_credentials',
      client_id: 'a',
      expires_in: '42',
    });
    const a = decodeJwt((perRequest.body as { access_token: string }).access_token);
    assert.equal((a.exp ?? 0) - (a.iat ?? 0), 42);
    await idp.admin.clients.register('gitlab', { clientId: 'short', expiresIn: 7 });
    const perClient = await postForm(gitlab.tokenUrl, {
      grant_type: 'client_credentials',
      client_id: 'short',
    });
    assert.equal((perClient.body as { expires_in: number }).expires_in, 7);
  });

  it('works with openid-client as a confidential client (client_secret_basic)', async () => {
    await idp.admin.clients.register('gitlab', {
      clientId: 'oidc-basic',
      secret: 's3cret',
      authMethod: 'client_secret_basic',
    });
    const config = await oidc.discovery(
      new URL(gitlab.issuerUrl),
      'oidc-basic',
      undefined,
      oidc.ClientSecretBasic('s3cret'),
      {
        execute: [oidc.allowInsecureRequests],
      },
    );
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'duo_chat' });
    assert.equal(tokens.token_type, 'bearer');
    const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(gitlab.jwksUrl)));
    assert.equal(payload.scope, 'duo_chat');
  });

  it('enforces a registered client: wrong secret, wrong method, grant and scope', async () => {
    await idp.admin.clients.register('gitlab', {
      clientId: 'strict',
      secret: 'right',
      authMethod: 'client_secret_post',
      grants: ['client_credentials'],
      scopes: ['duo_chat'],
    });
    const wrongSecret = await postForm(gitlab.tokenUrl, {
      grant_type: 'client_credentials',
      client_id: 'strict',
      client_secret: 'wrong',
    });
    assert.equal(wrongSecret.status, 401);
    assert.equal((wrongSecret.body as { error: string }).error, 'invalid_client');
    const wrongMethod = await postForm(
      gitlab.tokenUrl,
      { grant_type: 'client_credentials' },
      { authorization: basic('strict', 'right') },
    );
    assert.equal((wrongMethod.body as { error: string }).error, 'invalid_client');
    const noSecret = await postForm(gitlab.tokenUrl, {
      grant_type: 'client_credentials',
      client_id: 'strict',
    });
    assert.equal((noSecret.body as { error: string }).error, 'invalid_client');
    const badScope = await postForm(gitlab.tokenUrl, {
      grant_type: 'client_credentials',
      client_id: 'strict',
      client_secret: 'right',
      scope: 'admin',
    });
    assert.equal(badScope.status, 400);
    assert.equal((badScope.body as { error: string }).error, 'invalid_scope');
    const badGrant = await postForm(gitlab.tokenUrl, {
      grant_type: 'refresh_token',
      client_id: 'strict',
      client_secret: 'right',
      refresh_token: 'x',
    });
    assert.equal((badGrant.body as { error: string }).error, 'unauthorized_client');
    const ok = await postForm(gitlab.tokenUrl, {
      grant_type: 'client_credentials',
      client_id: 'strict',
      client_secret: 'right',
    });
    assert.equal(ok.status, 200);
    assert.equal((ok.body as { scope: string }).scope, 'duo_chat');
  });

  it('runs the authorization-code flow with PKCE S256 through openid-client, then userinfo', async () => {
    const redirectUri = 'http://127.0.0.1:1/callback';
    const config = await oidc.discovery(new URL(gitlab.issuerUrl), 'spa', undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const authUrl = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid offline_access duo_chat',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      login_hint: 'alice',
    });
    const approval = await fetch(authUrl, { redirect: 'manual' });
    assert.equal(approval.status, 302);
    const callback = new URL(approval.headers.get('location') ?? '');
    assert.equal(callback.origin + callback.pathname, redirectUri);
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    const claims = tokens.claims();
    assert.equal(claims?.sub, 'alice');
    assert.equal(claims?.aud, 'spa');
    assert.ok(tokens.refresh_token);
    const info = await oidc.fetchUserInfo(config, tokens.access_token, 'alice');
    assert.equal(info.sub, 'alice');
    assert.equal(info.client_id, 'spa');
  });

  it('rejects a wrong PKCE verifier and a reused code with invalid_grant', async () => {
    const redirectUri = 'http://127.0.0.1:1/cb';
    const verifier = 'v'.repeat(43);
    const challenge = await oidc.calculatePKCECodeChallenge(verifier);
    const authorize = async (): Promise<string> => {
      const url = new URL(gitlab.authorizeUrl);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: 'pkce',
        redirect_uri: redirectUri,
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }).toString();
      const r = await fetch(url, { redirect: 'manual' });
      return new URL(r.headers.get('location') ?? '').searchParams.get('code') ?? '';
    };
    const code1 = await authorize();
    const wrong = await postForm(gitlab.tokenUrl, {
      grant_type: 'authorization_code',
      client_id: 'pkce',
      code: code1,
      redirect_uri: redirectUri,
      code_verifier: 'w'.repeat(43),
    });
    assert.equal(wrong.status, 400);
    assert.deepEqual(Object.keys(wrong.body as object).sort(), ['error', 'error_description']);
    assert.equal((wrong.body as { error: string }).error, 'invalid_grant');
    const code2 = await authorize();
    const form = {
      grant_type: 'authorization_code',
      client_id: 'pkce',
      code: code2,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    };
    assert.equal((await postForm(gitlab.tokenUrl, form)).status, 200);
    const reused = await postForm(gitlab.tokenUrl, form);
    assert.equal((reused.body as { error: string }).error, 'invalid_grant');
  });

  it('rotates refresh tokens and revokes the family when a used one comes back', async () => {
    const redirectUri = 'http://127.0.0.1:1/cb';
    const url = new URL(gitlab.authorizeUrl);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: 'rt',
      redirect_uri: redirectUri,
      scope: 'duo_chat',
    }).toString();
    const code =
      new URL((await fetch(url, { redirect: 'manual' })).headers.get('location') ?? '').searchParams.get(
        'code',
      ) ?? '';
    const first = (
      await postForm(gitlab.tokenUrl, {
        grant_type: 'authorization_code',
        client_id: 'rt',
        code,
        redirect_uri: redirectUri,
      })
    ).body as { refresh_token: string };
    const second = await postForm(gitlab.tokenUrl, {
      grant_type: 'refresh_token',
      client_id: 'rt',
      refresh_token: first.refresh_token,
    });
    assert.equal(second.status, 200);
    const rotated = (second.body as { refresh_token: string }).refresh_token;
    assert.notEqual(rotated, first.refresh_token);
    // The old token again: reuse detected, the whole family revoked …
    const reuse = await postForm(gitlab.tokenUrl, {
      grant_type: 'refresh_token',
      client_id: 'rt',
      refresh_token: first.refresh_token,
    });
    assert.equal(reuse.status, 400);
    assert.equal((reuse.body as { error: string }).error, 'invalid_grant');
    assert.match((reuse.body as { error_description: string }).error_description, /already used/);
    // … so the legitimate successor no longer works either.
    const successor = await postForm(gitlab.tokenUrl, {
      grant_type: 'refresh_token',
      client_id: 'rt',
      refresh_token: rotated,
    });
    assert.equal((successor.body as { error: string }).error, 'invalid_grant');
    assert.match((successor.body as { error_description: string }).error_description, /revoked/);
  });

  it('serves a minimal HTML login page for browser journeys and approves its form post', async () => {
    const url = new URL(gitlab.authorizeUrl);
    const params = {
      response_type: 'code',
      client_id: 'browser',
      redirect_uri: 'http://127.0.0.1:1/cb',
      state: 's1',
      prompt: 'login',
    };
    url.search = new URLSearchParams(params).toString();
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const html = await page.text();
    assert.match(html, /<form method="post" action="authorize">/);
    assert.match(html, /name="state" value="s1"/);
    const { prompt: _prompt, ...rest } = params;
    const posted = await postForm(gitlab.authorizeUrl, { ...rest, username: 'bob' });
    assert.equal(posted.status, 302);
    const location = new URL(posted.headers.get('location') ?? '');
    assert.equal(location.searchParams.get('state'), 's1');
    const code = location.searchParams.get('code') ?? '';
    const tokens = await postForm(gitlab.tokenUrl, {
      grant_type: 'authorization_code',
      client_id: 'browser',
      code,
      redirect_uri: 'http://127.0.0.1:1/cb',
    });
    assert.equal(decodeJwt((tokens.body as { access_token: string }).access_token).sub, 'bob');
  });

  it('serves every endpoint under /_c/{clientId} and advertises prefixed URLs there', async () => {
    const prefixed = idp.urlsFor('gitlab', 'replica-1');
    assert.match(prefixed.jwksUrl, /\/_c\/replica-1\/gitlab\/oauth\/discovery\/keys$/);
    const doc = (await getJson(prefixed.discoveryUrl)).body as Record<string, string>;
    assert.equal(doc.jwks_uri, prefixed.jwksUrl);
    assert.equal(doc.token_endpoint, prefixed.tokenUrl);
    assert.equal(doc.issuer, gitlab.issuerUrl, 'the issuer identifier is not prefixed: tokens carry one iss');
    const token = await postForm(prefixed.tokenUrl, { grant_type: 'client_credentials', client_id: 'c' });
    const { payload } = await jwtVerify(
      (token.body as { access_token: string }).access_token,
      createRemoteJWKSet(new URL(prefixed.jwksUrl)),
      {
        issuer: gitlab.issuerUrl,
      },
    );
    assert.equal(payload.client_id, 'c');
  });

  it('uses a configured issuer identifier (e.g. when the SUT reaches the IdP through a proxy)', async () => {
    await idp.admin.issuers.update('customersdot', { issuerUrl: 'http://127.0.0.1:9/customersdot' });
    const doc = (await getJson(idp.urlsFor('customersdot').discoveryUrl)).body as { issuer: string };
    assert.equal(doc.issuer, 'http://127.0.0.1:9/customersdot');
    const { tokens } = await idp.admin.tokens.mint('customersdot');
    assert.equal(decodeJwt(tokens[0] ?? '').iss, 'http://127.0.0.1:9/customersdot');
    await idp.admin.issuers.update('customersdot', {
      issuerUrl: idp.urlsFor('customersdot').jwksUrl.replace(/\/oauth\/discovery\/keys$/, ''),
    });
  });

  it('answers bad token requests with OAuth error JSON naming the problem, and stays healthy', async () => {
    const cases: [Record<string, string>, Record<string, string>, number, string, RegExp][] = [
      [{ client_id: 'x' }, {}, 400, 'invalid_request', /grant_type/],
      [{ grant_type: 'password', client_id: 'x' }, {}, 400, 'unsupported_grant_type', /grant_type/],
      [{ grant_type: 'client_credentials' }, {}, 401, 'invalid_client', /client_id/],
      [{ grant_type: 'authorization_code', client_id: 'x' }, {}, 400, 'invalid_request', /code/],
      [{ grant_type: 'refresh_token', client_id: 'x' }, {}, 400, 'invalid_request', /refresh_token/],
      [
        { grant_type: 'refresh_token', client_id: 'x', refresh_token: 'nope' },
        {},
        400,
        'invalid_grant',
        /refresh_token/,
      ],
      [
        { grant_type: 'client_credentials', client_id: 'x', expires_in: '-5' },
        {},
        400,
        'invalid_request',
        /expires_in/,
      ],
      [
        { grant_type: 'client_credentials' },
        { authorization: 'Basic !!!' },
        401,
        'invalid_client',
        /authorization/,
      ],
    ];
    for (const [form, headers, status, error, description] of cases) {
      const r = await postForm(gitlab.tokenUrl, form, headers);
      assert.equal(r.status, status, JSON.stringify(form));
      assert.equal((r.body as { error: string }).error, error, JSON.stringify(form));
      assert.match((r.body as { error_description: string }).error_description, description);
    }
    const json = await fetch(gitlab.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(json.status, 400);
    assert.match(((await json.json()) as { error_description: string }).error_description, /content-type/);
    const repeated = await fetch(gitlab.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&grant_type=client_credentials&client_id=x',
    });
    assert.equal(repeated.status, 400);
    const huge = await fetch(gitlab.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${'x'.repeat(100_000)}`,
    });
    assert.equal(huge.status, 413);
    const get = await getJson(gitlab.tokenUrl);
    assert.equal(get.status, 405);
    const unknown = await getJson(`${idp.dataUrl}/nope/jwks`);
    assert.equal(unknown.status, 404);
    assert.equal((unknown.body as { error: string }).error, 'not_found');
    const userinfo = await getJson(gitlab.userinfoUrl, { authorization: 'Bearer a.b' });
    assert.equal(userinfo.status, 401);
    assert.match(userinfo.headers.get('www-authenticate') ?? '', /invalid_token/);
    assert.equal((await getJson(gitlab.jwksUrl)).status, 200);
    assert.deepEqual(await idp.admin.health(), { ok: true });
  });
});
