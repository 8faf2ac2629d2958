import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../src/errors.ts';
import { OPTIONS, loadConfig } from '../../examples/gateway/config.ts';

const PROVIDERS = 'gitlab=http://127.0.0.1:9400/gitlab,customersdot=http://127.0.0.1:9400/customersdot/';

describe('gateway configuration', () => {
  it('fills every default when only the providers are given', () => {
    const config = loadConfig({ GATEWAY_PROVIDERS: PROVIDERS });
    assert.equal(config.keyCache, 'hardened');
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8080);
    assert.equal(config.poolSize, 8);
    assert.equal(config.fetchTimeoutMs, 3000);
    assert.equal(config.minTtlMs, 30_000);
    assert.deepEqual(config.audience, ['gitlab-ai-gateway']);
    assert.deepEqual(
      config.providers.map((p) => [p.name, p.issuer, p.jwksUrl]),
      [
        ['gitlab', 'http://127.0.0.1:9400/gitlab', undefined],
        ['customersdot', 'http://127.0.0.1:9400/customersdot', undefined],
      ],
    );
    assert.deepEqual(config.headerClaims[2], {
      header: 'X-Gitlab-Duo-Seat-Count',
      claim: 'seat_count',
      optional: true,
    });
  });

  it('gives naive a generous fetch deadline unless JWKS_FETCH_TIMEOUT says otherwise', () => {
    assert.equal(loadConfig({ GATEWAY_PROVIDERS: PROVIDERS, KEY_CACHE: 'naive' }).fetchTimeoutMs, 30_000);
    assert.equal(
      loadConfig({ GATEWAY_PROVIDERS: PROVIDERS, KEY_CACHE: 'naive', JWKS_FETCH_TIMEOUT: '750ms' })
        .fetchTimeoutMs,
      750,
    );
  });

  it('takes explicit JWKS URLs, issuer overrides and scaled-down timings', () => {
    const config = loadConfig({
      GATEWAY_PROVIDERS: PROVIDERS,
      GATEWAY_JWKS_URLS: 'gitlab=http://127.0.0.1:9500/gitlab/oauth/discovery/keys',
      GATEWAY_ISSUERS: 'customersdot=https://customers.example',
      JWKS_TTL: '2s',
      JWKS_MIN_TTL: '500ms',
      JWKS_UNKNOWN_KID_COOLDOWN: '250ms',
      GATEWAY_AUDIENCE: '*',
      GATEWAY_HEADER_CLAIMS: '-',
    });
    assert.equal(config.providers[0]?.jwksUrl, 'http://127.0.0.1:9500/gitlab/oauth/discovery/keys');
    assert.equal(config.providers[1]?.issuer, 'https://customers.example');
    assert.equal(config.providers[1]?.baseUrl, 'http://127.0.0.1:9400/customersdot');
    assert.equal(config.ttlMs, 2000);
    assert.equal(config.minTtlMs, 500);
    assert.equal(config.unknownKidCooldownMs, 250);
    assert.deepEqual(config.audience, []);
    assert.deepEqual(config.headerClaims, []);
  });

  it('lists every bad variable at once, by name', () => {
    let caught: unknown;
    try {
      loadConfig({
        KEY_CACHE: 'clever',
        GATEWAY_POOL_SIZE: '0',
        JWKS_TTL: 'soon',
        GATEWAY_ALGORITHMS: 'RS256,HS256,none',
        GATEWAY_JWKS_CLIENT_ID: 'replica 1',
      });
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof ValidationError);
    const paths = caught.problems.map((p) => p.path);
    for (const expected of [
      'KEY_CACHE',
      'GATEWAY_POOL_SIZE',
      'JWKS_TTL',
      'GATEWAY_ALGORITHMS',
      'GATEWAY_JWKS_CLIENT_ID',
      'GATEWAY_PROVIDERS',
    ]) {
      assert.ok(paths.includes(expected), `${expected} missing from ${paths.join(', ')}`);
    }
    assert.equal(caught.problems.filter((p) => p.path === 'GATEWAY_ALGORITHMS').length, 2);
  });

  it('refuses malformed provider lists with the index of the bad entry', () => {
    assert.throws(
      () => loadConfig({ GATEWAY_PROVIDERS: 'gitlab=http://127.0.0.1:1/gitlab,oops,cdot=ftp://x' }),
      (error: unknown) =>
        error instanceof ValidationError &&
        error.problems.some((p) => p.path === 'GATEWAY_PROVIDERS[1]') &&
        error.problems.some((p) => p.path === 'GATEWAY_PROVIDERS[2]'),
    );
  });

  it('documents every variable it reads with a default', () => {
    for (const option of OPTIONS) assert.ok(option.doc.length > 10, option.env);
    assert.equal(new Set(OPTIONS.map((o) => o.env)).size, OPTIONS.length);
  });
});
