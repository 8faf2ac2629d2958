/**
 * Configuration paths the harness uses when it puts a fault proxy in front of the provider: an
 * explicit JWKS URL skips discovery, and GATEWAY_ISSUERS names the `iss` the tokens carry when
 * the base URL is not the issuer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startMockIdp, type MockIdp } from '../../mock-idp/index.ts';
import { metricSum, scrape } from './metrics-text.ts';
import { FAST_TIMINGS, call, spawnGateway, type SpawnedGateway } from './spawn-gateway.ts';

describe('gateway with explicit JWKS URLs and issuer overrides', () => {
  let idp: MockIdp;
  let gateway: SpawnedGateway;

  before(async () => {
    idp = await startMockIdp({ seed: 41, issuers: ['gitlab'] });
    const gitlab = idp.urlsFor('gitlab');
    gateway = await spawnGateway({
      ...FAST_TIMINGS,
      // The base URL points nowhere: only the explicit JWKS URL may be fetched.
      GATEWAY_PROVIDERS: 'gitlab=http://127.0.0.1:9/not-the-issuer',
      GATEWAY_ISSUERS: `gitlab=${gitlab.issuerUrl}`,
      GATEWAY_JWKS_URLS: `gitlab=${gitlab.jwksUrl}`,
      GATEWAY_AUDIENCE: '*',
    });
  });
  after(async () => {
    await gateway?.stop();
    await idp?.close();
  });

  it('verifies with the configured JWKS URL and never runs discovery', async () => {
    const [token] = (await idp.admin.tokens.mint('gitlab')).tokens;
    const res = await call(`${gateway.url}/api/auth/verify`, token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const text = await scrape(gateway.url);
    assert.equal(metricSum(text, 'jwks_fetch_total', { provider: 'gitlab', kind: 'discovery' }), 0);
    assert.equal(metricSum(text, 'jwks_fetch_total', { provider: 'gitlab', kind: 'jwks', outcome: 'ok' }), 1);
    assert.equal((await call(`${gateway.url}/ready`, undefined, {}, 'GET')).status, 200);
  });
});
