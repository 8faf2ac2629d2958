/**
 * The data-plane handler without a port: JWKS and discovery bodies are built once and shared
 * (the hot path allocates nothing), and a key change swaps in whole new bodies while any
 * response already handed out keeps the old bytes intact.
 */
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { PreparedResponse, RequestContext } from '../../mock-idp/contracts.ts';
import { handleData } from '../../mock-idp/handler.ts';
import { createMeasurements } from '../../mock-idp/measure/measurements.ts';
import { Provider } from '../../mock-idp/provider.ts';
import { createRandom } from '../../src/util/random.ts';

describe('data-plane handler', () => {
  let provider: Provider;
  const socket = new Socket();
  let id = 0;

  const call = async (
    path: string,
    method = 'GET',
    ifNoneMatch?: string,
    prefixClient?: string,
  ): Promise<PreparedResponse> => {
    const route = provider.resolve(path);
    assert.ok(route, `no route for ${path}`);
    const ctx: RequestContext = {
      id: ++id,
      issuer: route.issuer.name,
      endpoint: route.endpoint,
      clientId: 'unit',
      method,
      path,
      remoteAddress: '127.0.0.1',
      socket,
      startedAt: performance.now(),
      headers: {},
    };
    return handleData({ ctx, route, query: '', body: Buffer.alloc(0), prefixClient, ifNoneMatch });
  };

  before(async () => {
    provider = await Provider.create({
      dataUrl: 'http://127.0.0.1:1',
      issuers: [{ name: 'unit', jwksPath: '/oauth/discovery/keys/' }],
      alg: 'EdDSA',
      seed: 11,
      hooks: createMeasurements(),
      random: createRandom(11),
    });
  });
  after(() => provider.close());

  it('routes by exact path, with the JWKS path normalised', () => {
    assert.equal(provider.resolve('/unit/oauth/discovery/keys')?.endpoint, 'jwks');
    assert.equal(provider.resolve('/unit/.well-known/openid-configuration')?.endpoint, 'discovery');
    assert.equal(provider.resolve('/unit/jwks'), undefined);
    assert.equal(provider.resolve('/other/token'), undefined);
  });

  it('returns the same pre-built JWKS response object for every request', async () => {
    const a = await call('/unit/oauth/discovery/keys');
    const b = await call('/unit/oauth/discovery/keys');
    assert.equal(a, b);
    assert.equal(a.body, b.body);
    assert.equal(a.headers['content-length'], String(a.body.length));
  });

  it('swaps whole bodies on a key change and leaves handed-out bytes untouched', async () => {
    const before = await call('/unit/oauth/discovery/keys');
    const snapshot = Buffer.from(before.body);
    const issuer = provider.issuer('unit');
    assert.ok(issuer);
    issuer.keys.insert(await issuer.keys.newMaterial('ES256', 'k2'), 'next');
    const after = await call('/unit/oauth/discovery/keys');
    assert.notEqual(after.body, before.body);
    assert.deepEqual(before.body, snapshot);
    assert.deepEqual(
      (JSON.parse(after.body.toString()) as { keys: { kid: string }[] }).keys.map((k) => k.kid).at(-1),
      'k2',
    );
    const doc = JSON.parse((await call('/unit/.well-known/openid-configuration')).body.toString()) as {
      id_token_signing_alg_values_supported: string[];
    };
    assert.deepEqual(doc.id_token_signing_alg_values_supported.sort(), ['ES256', 'EdDSA']);
  });

  it('answers 304 from the pre-built set when If-None-Match names the current body', async () => {
    const ok = await call('/unit/oauth/discovery/keys');
    const etag = ok.headers.etag ?? '';
    assert.equal((await call('/unit/oauth/discovery/keys', 'GET', etag)).status, 304);
    assert.equal((await call('/unit/oauth/discovery/keys', 'GET', `"x", ${etag}`)).status, 304);
    assert.equal((await call('/unit/oauth/discovery/keys', 'GET', '"stale"')).status, 200);
  });

  it('builds prefixed discovery documents on demand and caches them', async () => {
    const a = await call('/unit/.well-known/openid-configuration', 'GET', undefined, 'r1');
    const b = await call('/unit/.well-known/openid-configuration', 'GET', undefined, 'r1');
    assert.equal(a, b);
    assert.equal(
      (JSON.parse(a.body.toString()) as { jwks_uri: string }).jwks_uri,
      'http://127.0.0.1:1/_c/r1/unit/oauth/discovery/keys',
    );
  });

  it('answers wrong methods with 405 JSON', async () => {
    const r = await call('/unit/oauth/discovery/keys', 'DELETE');
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, 'GET, HEAD');
    assert.equal((JSON.parse(r.body.toString()) as { error: string }).error, 'method_not_allowed');
  });
});
