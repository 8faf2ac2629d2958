/**
 * The admin plane (auth, validation naming the field, 404 for unknown issuers, reset) and the
 * JWKS cache policy (Cache-Control, correct and deliberately wrong 304s).
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { AdminApiError } from '../../mock-idp/admin-client.ts';
import { startMockIdp, type MockIdp } from '../../mock-idp/index.ts';
import { adminRaw, getJson, servedKids } from './helpers.ts';

describe('admin plane', () => {
  let idp: MockIdp;

  before(async () => {
    idp = await startMockIdp({ alg: 'ES256', adminToken: 'test-admin-token-1234' });
  });
  beforeEach(() => idp.admin.reset());
  after(() => idp.close());

  it('binds both planes to loopback by default', () => {
    assert.match(idp.dataUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(idp.adminUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(idp.dataUrl, idp.adminUrl);
  });

  it('requires the bearer token everywhere except /health and /metrics', async () => {
    assert.equal((await adminRaw(idp, 'GET', '/issuers', undefined, null)).status, 401);
    assert.equal((await adminRaw(idp, 'GET', '/issuers', undefined, 'wrong-token')).status, 401);
    assert.equal((await adminRaw(idp, 'POST', '/reset', undefined, null)).status, 401);
    assert.equal((await adminRaw(idp, 'GET', '/health', undefined, null)).status, 200);
    const metrics = await fetch(idp.metricsUrl);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /# HELP/);
    assert.equal((await adminRaw(idp, 'GET', '/issuers')).status, 200);
  });

  it('answers unknown issuers with 404 and unknown kids with 404', async () => {
    await assert.rejects(
      idp.admin.issuers.get('nope'),
      (e: AdminApiError) => e.status === 404 && /nope/.test(e.message),
    );
    await assert.rejects(
      idp.admin.keys.revoke('gitlab', 'no-such-kid'),
      (e: AdminApiError) => e.status === 404,
    );
    await assert.rejects(idp.admin.tokens.mint('nope'), (e: AdminApiError) => e.status === 404);
    assert.equal((await adminRaw(idp, 'GET', '/no/such/route')).status, 404);
    assert.equal((await adminRaw(idp, 'DELETE', '/issuers')).status, 405);
  });

  const badInputs: [string, string, string, string][] = [
    ['PATCH', '/issuers/gitlab', '{"issuerUrl":"ftp://x"}', 'issuerUrl'],
    ['PATCH', '/issuers/gitlab', '{"jwksPath":"../../etc"}', 'jwksPath'],
    ['PATCH', '/issuers/gitlab', '{"expiresIn":0}', 'expiresIn'],
    ['PATCH', '/issuers/gitlab', '{"cache":{"etag":"maybe"}}', 'cache.etag'],
    ['PATCH', '/issuers/gitlab', '{"colour":"red"}', 'colour'],
    ['POST', '/issuers/gitlab/keys', '{"alg":"HS256"}', 'alg'],
    ['POST', '/issuers/gitlab/keys', '{"state":"zombie"}', 'state'],
    ['POST', '/issuers/gitlab/keys/x/activate', '{"now":true}', 'now'],
    ['POST', '/issuers/gitlab/rotations', '{"publishAhead":-1}', 'publishAhead'],
    ['POST', '/issuers/gitlab/rotations', '{"revokeAfter":"soon"}', 'revokeAfter'],
    ['POST', '/issuers/gitlab/misrotations', '{"kind":"sideways"}', 'kind'],
    ['POST', '/issuers/gitlab/misrotations', '{"kind":"oversized","options":{"count":0}}', 'options.count'],
    ['POST', '/issuers/gitlab/misrotations', '{"kind":"empty","options":{"x":1}}', 'options.x'],
    ['POST', '/issuers/gitlab/tokens', '{"count":100000}', 'count'],
    ['POST', '/issuers/gitlab/tokens', '{"shape":"square"}', 'shape'],
    ['POST', '/issuers/gitlab/tokens', '{"scopes":["a b"]}', 'scopes[0]'],
    ['POST', '/issuers/gitlab/tokens', '{"claims":[1]}', 'claims'],
    ['POST', '/issuers/gitlab/clients', '{}', 'clientId'],
    ['POST', '/issuers/gitlab/clients', '{"clientId":"c","authMethod":"client_secret_basic"}', 'secret'],
    ['POST', '/issuers/gitlab/clients', '{"clientId":"c","grants":["password"]}', 'grants[0]'],
    ['PUT', '/issuers/gitlab/clock', '{}', 'offsetMs'],
    ['PUT', '/issuers/gitlab/clock', '{"offsetMs":1.5}', 'offsetMs'],
    ['PUT', '/issuers/gitlab/cache', '{"cacheControl":"a\\r\\nx: y"}', 'cacheControl'],
    ['POST', '/issuers/gitlab/tokens', '{not json', '(body)'],
    ['POST', '/issuers/gitlab/tokens', '[]', '(body)'],
  ];
  for (const [method, path, body, field] of badInputs) {
    it(`rejects ${method} ${path} ${body} with a 400 naming ${field}`, async () => {
      const r = await adminRaw(idp, method, path, body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      const problems = (r.body as { error: string; problems: { path: string }[] }).problems;
      assert.equal((r.body as { error: string }).error, 'invalid_request');
      assert.ok(
        problems.some((p) => p.path === field),
        `expected a problem at ${field}, got ${JSON.stringify(problems)}`,
      );
      assert.deepEqual(await idp.admin.health(), { ok: true });
    });
  }

  it('answers malformed HTTP on both planes with a JSON 400 and keeps serving', async () => {
    for (const base of [idp.dataUrl, idp.adminUrl]) {
      const { port } = new URL(base);
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () =>
          socket.write('GARBAGE \x00\x01 NOT-HTTP\r\n\r\n'),
        );
        let data = '';
        socket.on('data', (d: Buffer) => (data += d.toString()));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
        socket.setTimeout(5000, () => socket.destroy(new Error('no answer')));
      });
      assert.match(raw, /^HTTP\/1\.1 400 /);
      assert.match(raw, /"error":"invalid_request"/);
    }
    assert.equal((await getJson(idp.urlsFor('gitlab').jwksUrl)).status, 200);
    assert.deepEqual(await idp.admin.health(), { ok: true });
  });

  it('surfaces field problems through the typed client', async () => {
    await assert.rejects(idp.admin.tokens.mint('gitlab', { count: 0 }), (e: AdminApiError) => {
      assert.equal(e.status, 400);
      assert.equal(e.code, 'ERR_ADMIN_API');
      assert.deepEqual(
        e.problems.map((p) => p.path),
        ['count'],
      );
      return true;
    });
  });

  it('resets keys, clients, clock and issuer settings in one call', async () => {
    const kidsBefore = await servedKids(idp.urlsFor('gitlab').jwksUrl);
    await idp.admin.keys.misrotate('gitlab', 'immediate-revoke');
    await idp.admin.clients.register('gitlab', { clientId: 'c1', secret: 'x' });
    await idp.admin.clock.set('gitlab', 5000);
    await idp.admin.issuers.update('gitlab', { jwksPath: 'moved/keys', audience: 'other' });
    assert.equal((await getJson(`${idp.dataUrl}/gitlab/moved/keys`)).status, 200);
    await idp.admin.reset();
    const info = await idp.admin.issuers.get('gitlab');
    assert.equal(info.clockOffsetMs, 0);
    assert.equal(info.audience, 'gitlab-ai-gateway');
    assert.equal(info.jwksPath, 'oauth/discovery/keys');
    assert.equal((await getJson(`${idp.dataUrl}/gitlab/moved/keys`)).status, 404);
    assert.deepEqual(await idp.admin.clients.list('gitlab'), []);
    const kidsAfter = await servedKids(idp.urlsFor('gitlab').jwksUrl);
    assert.equal(kidsAfter.length, kidsBefore.length);
  });

  it('lists clients without their secrets', async () => {
    await idp.admin.clients.register('gitlab', { clientId: 'c2', secret: 'hunter2' });
    const [client] = await idp.admin.clients.list('gitlab');
    assert.equal(client?.hasSecret, true);
    assert.ok(!JSON.stringify(client).includes('hunter2'));
  });
});

describe('JWKS cache policy', () => {
  let idp: MockIdp;
  let jwksUrl: string;

  before(async () => {
    idp = await startMockIdp({ alg: 'ES256', issuers: ['gitlab'] });
    jwksUrl = idp.urlsFor('gitlab').jwksUrl;
  });
  beforeEach(() => idp.admin.reset());
  after(() => idp.close());

  it('sends Cache-Control and a strong ETag, and a correct 304 only for the current body', async () => {
    const first = await fetch(jwksUrl);
    assert.equal(first.headers.get('cache-control'), 'public, max-age=300');
    const etag = first.headers.get('etag') ?? '';
    assert.match(etag, /^"[A-Za-z0-9_-]+"$/);
    const again = await fetch(jwksUrl, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.headers.get('etag'), etag);
    await idp.admin.keys.add('gitlab');
    const changed = await fetch(jwksUrl, { headers: { 'if-none-match': etag } });
    assert.equal(changed.status, 200, 'keys changed: the old ETag no longer matches');
    assert.notEqual(changed.headers.get('etag'), etag);
  });

  it('answers 304 to every conditional request in wrong mode, even after the keys changed', async () => {
    const etag = (await fetch(jwksUrl)).headers.get('etag') ?? '';
    await idp.admin.cache.set('gitlab', { etag: 'wrong', cacheControl: 'max-age=86400' });
    await idp.admin.keys.misrotate('gitlab', 'immediate-revoke');
    const stale = await fetch(jwksUrl, { headers: { 'if-none-match': etag } });
    assert.equal(stale.status, 304, 'the deliberately wrong 304 keeps a SUT on its stale keys');
    assert.equal(stale.headers.get('cache-control'), 'max-age=86400');
    const unconditional = await fetch(jwksUrl);
    assert.equal(unconditional.status, 200);
  });

  it('sends no ETag and ignores If-None-Match when off, and no Cache-Control when empty', async () => {
    await idp.admin.cache.set('gitlab', { etag: 'off', cacheControl: '' });
    const r = await fetch(jwksUrl, { headers: { 'if-none-match': '*' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('etag'), null);
    assert.equal(r.headers.get('cache-control'), null);
  });
});
