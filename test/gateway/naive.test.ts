/**
 * The naive key cache must show the failures it exists to demonstrate (the JWT Pizza Factory
 * incident): fan-out under JWKS latency, pool queueing turned into 401s, no stale-if-error,
 * one fetch per unknown kid, a poisoned set accepted.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startMockIdp, type MockIdp } from '../../mock-idp/index.ts';
import type { MintRequest } from '../../mock-idp/tokens/mint.ts';
import { metricSum, scrape } from './metrics-text.ts';
import { call, spawnGateway, type SpawnedGateway } from './spawn-gateway.ts';

const INCOMPLETE = 'Incomplete JWKS cached: some key providers failed, no old cache to fall back to';

describe('naive key cache', () => {
  let idp: MockIdp;
  const gateways: SpawnedGateway[] = [];
  const start = async (clientId: string, env: Record<string, string> = {}): Promise<SpawnedGateway> => {
    const gateway = await spawnGateway({
      GATEWAY_PROVIDERS: idp.issuers.map((i) => `${i.name}=${i.issuerUrl}`).join(','),
      GATEWAY_JWKS_CLIENT_ID: clientId,
      KEY_CACHE: 'naive',
      ...env,
    });
    gateways.push(gateway);
    return gateway;
  };
  const mint = async (request: Omit<MintRequest, 'grant'> = {}): Promise<string[]> =>
    (await idp.admin.tokens.mint('gitlab', request)).tokens;

  before(async () => {
    idp = await startMockIdp({ seed: 31 });
  });
  afterEach(async () => {
    await idp.admin.faults.clear();
    await Promise.all(gateways.splice(0).map((g) => g.stop()));
  });
  after(async () => {
    await idp?.close();
  });

  it('fans a cold burst out into one fetch per request under JWKS latency and answers 401s', async () => {
    await idp.admin.faults.add({ kind: 'latency', scope: { endpoint: 'jwks' }, attributes: { ms: 1200 } });
    const gateway = await start('naive-burst', { GATEWAY_VERIFY_TIMEOUT: '3s' });
    const [token] = await mint();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => call(`${gateway.url}/api/auth/verify`, token)),
    );
    const timeouts = results.filter(
      (r) => r.status === 401 && r.body.reason === 'verification_timeout',
    ).length;
    // Pool 8 × 1.2 s per fetch: at most ~16 fetches finish within 3 s, so most requests time out.
    assert.ok(timeouts >= 20, `only ${timeouts} of 50 timed out`);
    assert.equal(
      results.filter((r) => r.status === 503).length,
      0,
      'naive never says 503: the outage looks like a bad token',
    );
    const text = await scrape(gateway.url);
    assert.ok(metricSum(text, 'jwks_fetch_total', { provider: 'gitlab', kind: 'discovery' }) >= 20);
    assert.ok(metricSum(text, 'jwt_key_cache_miss_total', { provider: 'gitlab' }) === 50);
    assert.ok(
      metricSum(text, 'jwks_inflight_requests', { provider: 'gitlab' }) >= 8,
      'fetches still queued on the pool',
    );
    // The provider's view: the fetches of this one replica overlap up to the pool size.
    const figures = (await idp.admin.stats.get()).clients['naive-burst']?.issuers.gitlab;
    assert.ok(figures !== undefined);
    assert.ok(figures.jwksFetches >= 10, `provider saw ${figures.jwksFetches} JWKS fetches`);
    assert.ok(
      figures.jwksInFlightPeak >= 4 && figures.jwksInFlightPeak <= 8,
      `in-flight peak ${figures.jwksInFlightPeak}`,
    );
  });

  it('fetches once per token during an unknown-kid flood', async () => {
    const gateway = await start('naive-flood');
    const flood = await mint({ shape: 'unknown-kid', count: 40 });
    const results = await Promise.all(flood.map((t) => call(`${gateway.url}/api/auth/verify`, t)));
    assert.ok(results.every((r) => r.status === 401));
    const fetches = metricSum(await scrape(gateway.url), 'jwks_fetch_total', {
      provider: 'gitlab',
      kind: 'jwks',
    });
    assert.equal(fetches, 40);
    const figures = (await idp.admin.stats.get()).clients['naive-flood']?.issuers.gitlab;
    assert.equal(figures?.jwksFetches, 40, 'the provider saw one fetch per flooded token');
  });

  it('rejects valid tokens with 401 once the TTL passes during a JWKS outage', async () => {
    const gateway = await start('naive-outage', { JWKS_TTL: '1s' });
    const [token] = await mint();
    assert.equal((await call(`${gateway.url}/api/auth/verify`, token)).status, 200);
    await idp.admin.faults.add({ kind: 'status', scope: { endpoint: 'jwks' }, attributes: { status: 503 } });
    await sleep(1300);
    const results = [];
    for (let i = 0; i < 10; i++) results.push(await call(`${gateway.url}/api/auth/verify`, token));
    assert.deepEqual(
      results.map((r) => `${r.status} ${String(r.body.reason)}`),
      Array.from({ length: 10 }, () => '401 keys_unavailable'),
    );
    await gateway.waitForLog(INCOMPLETE);
    const failed = metricSum(await scrape(gateway.url), 'jwks_fetch_total', {
      provider: 'gitlab',
      kind: 'jwks',
      outcome: 'status',
    });
    assert.equal(failed, 10, 'no negative caching: every request retries the failing provider');
  });

  it('lets an empty key set replace the good one', async () => {
    const gateway = await start('naive-poison', { JWKS_TTL: '1s' });
    const [token] = await mint();
    assert.equal((await call(`${gateway.url}/api/auth/verify`, token)).status, 200);
    await idp.admin.faults.add({ kind: 'empty-keys', scope: { endpoint: 'jwks' } });
    await sleep(1300);
    const res = await call(`${gateway.url}/api/auth/verify`, token);
    assert.equal(res.status, 401);
    assert.equal(res.body.reason, 'unknown_kid');
  });
});
