/**
 * The hardened key cache against a real mock-idp with injected faults: coalescing, stale-if-error,
 * bounded unknown-kid refetches, rotation pickup, readiness and 503s instead of 401s.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startMockIdp, type MockIdp } from '../../mock-idp/index.ts';
import type { MintRequest } from '../../mock-idp/tokens/mint.ts';
import { metricSum, scrape } from './metrics-text.ts';
import { FAST_TIMINGS, call, spawnGateway, type SpawnedGateway } from './spawn-gateway.ts';

/**
 * Calls the gateway's verify endpoint with `token` for `ms`: `parallel` calls at a time, then
 * `gapMs` of quiet, until the time is up. The responses in the order they were made.
 */
async function verifyFor(
  gatewayUrl: string,
  token: string | undefined,
  ms: number,
  { parallel = 1, gapMs = 50 }: { parallel?: number; gapMs?: number } = {},
): Promise<Awaited<ReturnType<typeof call>>[]> {
  const responses: Awaited<ReturnType<typeof call>>[] = [];
  const until = Date.now() + ms;
  while (Date.now() < until) {
    responses.push(
      ...(await Promise.all(
        Array.from({ length: parallel }, () => call(`${gatewayUrl}/api/auth/verify`, token)),
      )),
    );
    await sleep(gapMs);
  }
  return responses;
}

const GITLAB_HEADERS = {
  'x-gitlab-instance-id': '00000000-0000-4000-8000-000000000001',
  'x-gitlab-realm': 'saas',
};
const OLD_RECACHED = 'Old JWKS re-cached: some key providers failed';
const INCOMPLETE = 'Incomplete JWKS cached: some key providers failed, no old cache to fall back to';

describe('hardened key cache', () => {
  let idp: MockIdp;
  const gateways: SpawnedGateway[] = [];
  const providers = (): string => idp.issuers.map((i) => `${i.name}=${i.issuerUrl}`).join(',');
  const start = async (clientId: string, env: Record<string, string> = {}): Promise<SpawnedGateway> => {
    const gateway = await spawnGateway({
      ...FAST_TIMINGS,
      GATEWAY_PROVIDERS: providers(),
      GATEWAY_JWKS_CLIENT_ID: clientId,
      KEY_CACHE: 'hardened',
      ...env,
    });
    gateways.push(gateway);
    return gateway;
  };
  const mint = async (issuer = 'gitlab', request: Omit<MintRequest, 'grant'> = {}): Promise<string[]> =>
    (await idp.admin.tokens.mint(issuer, request)).tokens;
  /** JWKS fetches as the provider counted them for one replica identity. */
  const providerStats = async (client: string, issuer: string) => {
    const stats = await idp.admin.stats.get();
    const figures = stats.clients[client]?.issuers[issuer];
    return { fetches: figures?.jwksFetches ?? 0, peak: figures?.jwksInFlightPeak ?? 0 };
  };
  const jwksFetches = async (gateway: SpawnedGateway, provider: string): Promise<number> =>
    metricSum(await scrape(gateway.url), 'jwks_fetch_total', { provider, kind: 'jwks' });

  before(async () => {
    idp = await startMockIdp({ seed: 21 });
  });
  afterEach(async () => {
    await idp.admin.faults.clear();
    await Promise.all(gateways.splice(0).map((g) => g.stop()));
  });
  after(async () => {
    await idp?.close();
  });

  it('fetches each provider once for 50 concurrent requests at a cold cache under JWKS latency', async () => {
    await idp.admin.faults.add({ kind: 'latency', scope: { endpoint: 'jwks' }, attributes: { ms: 800 } });
    const gateway = await start('cold-burst');
    const [token] = await mint('gitlab', { count: 1 });
    const results = await Promise.all(
      Array.from({ length: 50 }, () => call(`${gateway.url}/v2/code/completions`, token, GITLAB_HEADERS)),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      Array.from({ length: 50 }, () => 200),
    );
    const text = await scrape(gateway.url);
    assert.equal(metricSum(text, 'jwks_fetch_total', { provider: 'gitlab', kind: 'jwks' }), 1);
    assert.equal(metricSum(text, 'jwks_fetch_total', { provider: 'gitlab', kind: 'discovery' }), 1);
    assert.ok(metricSum(text, 'jwks_coalesced_requests_total', { provider: 'gitlab' }) >= 49);
    // The provider's own view: one fetch per issuer from this replica, never two at once.
    for (const issuer of ['gitlab', 'customersdot']) {
      assert.deepEqual(await providerStats('cold-burst', issuer), { fetches: 1, peak: 1 }, issuer);
    }
  });

  it('is counted per replica at the provider (URL prefix and header)', async () => {
    const replicas = await Promise.all([start('replica-1'), start('replica-2')]);
    const [token] = await mint();
    for (const replica of replicas) {
      assert.equal((await call(`${replica.url}/api/auth/verify`, token)).status, 200);
    }
    for (const client of ['replica-1', 'replica-2']) {
      assert.equal((await providerStats(client, 'gitlab')).fetches, 1, client);
    }
    const journal = await idp.admin.stats.journal({ limit: 50 });
    const jwksOfReplica = journal.filter((e) => e.clientId === 'replica-1' && e.endpoint === 'jwks');
    assert.ok(jwksOfReplica.length > 0);
    assert.ok(jwksOfReplica.every((e) => e.headers['x-keystorm-client'] === 'replica-1'));
  });

  it('refreshes ahead of expiry under steady traffic: about one fetch per TTL and no request waits (FM2)', async () => {
    const gateway = await start('steady', {
      JWKS_TTL: '1s',
      JWKS_MIN_TTL: '1s',
      JWKS_REFRESH_AHEAD: '400ms',
    });
    const [token] = await mint();
    assert.equal((await call(`${gateway.url}/api/auth/verify`, token)).status, 200);
    const statuses = (await verifyFor(gateway.url, token, 3500, { parallel: 5, gapMs: 40 })).map(
      (r) => r.status,
    );
    assert.deepEqual([...new Set(statuses)], [200]);
    const text = await scrape(gateway.url);
    assert.equal(metricSum(text, 'jwt_key_cache_miss_total', { provider: 'gitlab', reason: 'expired' }), 0);
    const { fetches, peak } = await providerStats('steady', 'gitlab');
    // 3.5 s of traffic with a 1 s TTL refreshed 0.2–0.4 s early: 4–7 fetches, never two at once.
    assert.ok(fetches >= 3 && fetches <= 8, `${fetches} fetches for ${statuses.length} requests`);
    assert.equal(peak, 1);
  });

  it('keeps answering 200 from last-known-good keys through a JWKS outage longer than the TTL', async () => {
    const gateway = await start('outage', {
      JWKS_TTL: '1500ms',
      JWKS_MIN_TTL: '1s',
      JWKS_REFRESH_AHEAD: '400ms',
    });
    const [token] = await mint();
    assert.equal((await call(`${gateway.url}/api/auth/verify`, token)).status, 200);
    await idp.admin.faults.add({ kind: 'status', scope: { endpoint: 'jwks' }, attributes: { status: 503 } });
    // Steady traffic for 4 s: past the TTL, through several refresh attempts.
    const statuses = (await verifyFor(gateway.url, token, 4000)).map((r) => r.status);
    assert.deepEqual([...new Set(statuses)], [200]);
    const line = await gateway.waitForLog(OLD_RECACHED);
    assert.equal(line.oidc_provider, 'gitlab');
    const text = await scrape(gateway.url);
    assert.ok(metricSum(text, 'jwks_stale_served_total', { provider: 'gitlab' }) > 0);
    // Backoff (200 ms doubling to 1 s): a handful of attempts, not one per request.
    const failed = metricSum(text, 'jwks_fetch_total', {
      provider: 'gitlab',
      kind: 'jwks',
      outcome: 'status',
    });
    assert.ok(failed >= 2 && failed <= 10, `failed attempts ${failed} for ${statuses.length} requests`);
  });

  it('refetches at most once per cooldown during an unknown-kid flood and keeps serving valid tokens', async () => {
    const gateway = await start('flood', { JWKS_UNKNOWN_KID_COOLDOWN: '10s' });
    const [valid] = await mint();
    assert.equal((await call(`${gateway.url}/api/auth/verify`, valid)).status, 200);
    const before = await jwksFetches(gateway, 'gitlab');
    const flood = await mint('gitlab', { shape: 'unknown-kid', count: 200 });
    const results = await Promise.all(flood.map((t) => call(`${gateway.url}/api/auth/verify`, t)));
    assert.ok(results.every((r) => r.status === 401 && r.body.reason === 'unknown_kid'));
    assert.ok((await jwksFetches(gateway, 'gitlab')) - before <= 1);
    assert.ok((await providerStats('flood', 'gitlab')).fetches <= 2, 'warm-up plus at most one refetch');
    assert.equal((await call(`${gateway.url}/api/auth/verify`, valid)).status, 200);
  });

  it('accepts a token signed by a newly rotated key on first use', async () => {
    const gateway = await start('rotation');
    const [old] = await mint();
    assert.equal((await call(`${gateway.url}/api/auth/verify`, old)).status, 200);
    const plan = await idp.admin.keys.rotate('gitlab');
    const [fresh] = await mint();
    const res = await call(`${gateway.url}/api/auth/verify`, fresh);
    assert.equal(res.status, 200, `${plan.kid}: ${JSON.stringify(res.body)}`);
    assert.equal(
      (await call(`${gateway.url}/api/auth/verify`, old)).status,
      200,
      'the old key is still published',
    );
  });

  it('accepts a newly published kid within one cooldown after an unknown-kid flood (FM6)', async () => {
    const gateway = await start('flood-then-rotate', { JWKS_UNKNOWN_KID_COOLDOWN: '1s' });
    const [old] = await mint();
    assert.equal((await call(`${gateway.url}/api/auth/verify`, old)).status, 200);
    const flood = await mint('gitlab', { shape: 'unknown-kid', count: 50 });
    await Promise.all(flood.map((t) => call(`${gateway.url}/api/auth/verify`, t)));
    const floodEnded = Date.now();
    await idp.admin.keys.rotate('gitlab');
    const [fresh] = await mint();
    let status = 0;
    let acceptedAfter = 0;
    while (status !== 200 && Date.now() - floodEnded < 3000) {
      const started = Date.now();
      const res = await call(`${gateway.url}/api/auth/verify`, fresh);
      assert.ok(Date.now() - started < 500, 'a request inside the cooldown is answered at once, not queued');
      status = res.status;
      acceptedAfter = Date.now() - floodEnded;
      if (status !== 200) await sleep(100);
    }
    assert.equal(status, 200);
    assert.ok(acceptedAfter <= 1600, `new kid accepted ${acceptedAfter}ms after the flood`);
  });

  it('is not ready until every provider has been fetched once', async () => {
    await idp.admin.faults.add({
      kind: 'latency',
      scope: { endpoint: 'jwks', issuer: 'gitlab' },
      attributes: { ms: 1500 },
    });
    const gateway = await start('slow-ready', { GATEWAY_VERIFY_TIMEOUT: '300ms', JWKS_FETCH_TIMEOUT: '3s' });
    const first = await call(`${gateway.url}/ready`, undefined, {}, 'GET');
    assert.equal(first.status, 503);
    assert.deepEqual(
      (first.body.providers as { provider: string; ready: boolean }[]).map((p) => [p.provider, p.ready]),
      [
        ['gitlab', false],
        ['customersdot', true],
      ],
    );
    let status = 0;
    const deadline = Date.now() + 5000;
    while (status !== 200 && Date.now() < deadline) {
      await sleep(200);
      status = (await call(`${gateway.url}/ready`, undefined, {}, 'GET')).status;
    }
    assert.equal(status, 200);
    assert.equal(
      (await providerStats('slow-ready', 'gitlab')).fetches,
      1,
      'readiness probes joined the one fetch',
    );
  });

  it('is not ready while a provider is down at cold start, answers 503 for it, and recovers after heal', async () => {
    const fault = await idp.admin.faults.add({
      kind: 'status',
      scope: { issuer: 'customersdot' },
      attributes: { status: 503 },
    });
    const gateway = await start('cold-outage');
    const ready = await call(`${gateway.url}/ready`, undefined, {}, 'GET');
    assert.equal(ready.status, 503);
    const byName = Object.fromEntries(
      (ready.body.providers as { provider: string; ready: boolean }[]).map((p) => [p.provider, p.ready]),
    );
    assert.deepEqual(byName, { gitlab: true, customersdot: false });
    assert.equal((await gateway.waitForLog(INCOMPLETE)).oidc_provider, 'customersdot');

    // Per-provider isolation: gitlab tokens still work, customersdot ones get 503 (not 401).
    assert.equal((await call(`${gateway.url}/api/auth/verify`, (await mint())[0])).status, 200);
    const cdot = await call(`${gateway.url}/api/auth/verify`, (await mint('customersdot'))[0]);
    assert.equal(cdot.status, 503, JSON.stringify(cdot.body));
    assert.match(cdot.headers.get('retry-after') ?? '', /^\d+$/);

    await idp.admin.faults.remove(fault.id);
    let status = 0;
    const deadline = Date.now() + 5000; // backoff max is 1 s in FAST_TIMINGS
    while (status !== 200 && Date.now() < deadline) {
      await sleep(200);
      status = (await call(`${gateway.url}/ready`, undefined, {}, 'GET')).status;
    }
    assert.equal(status, 200);
    assert.equal((await call(`${gateway.url}/api/auth/verify`, (await mint('customersdot'))[0])).status, 200);
  });

  it("backs failed fetches off and honours the provider's Retry-After (FM7, FM22)", async () => {
    await idp.admin.faults.add({
      kind: 'status',
      scope: { endpoint: 'jwks', issuer: 'customersdot' },
      attributes: { status: 503, retryAfter: 2 },
    });
    const gateway = await start('retry-after', { JWKS_BACKOFF_BASE: '100ms', JWKS_BACKOFF_MAX: '5s' });
    const [token] = await mint('customersdot');
    const responses = await verifyFor(gateway.url, token, 3000);
    const statuses = responses.map((r) => r.status);
    for (const res of responses) {
      if (res.status === 503) assert.ok(Number(res.headers.get('retry-after')) >= 1);
    }
    assert.deepEqual([...new Set(statuses)], [503]);
    // 100 ms doubling alone would allow ~5 attempts in 3 s; Retry-After: 2 allows 2.
    const { fetches } = await providerStats('retry-after', 'customersdot');
    assert.ok(fetches >= 1 && fetches <= 3, `${fetches} attempts for ${statuses.length} requests`);
  });

  it('refuses an empty key set and keeps the last-known-good keys', async () => {
    const gateway = await start('poison', {
      JWKS_TTL: '1s',
      JWKS_MIN_TTL: '1s',
      JWKS_REFRESH_AHEAD: '300ms',
    });
    const [token] = await mint();
    assert.equal((await call(`${gateway.url}/api/auth/verify`, token)).status, 200);
    await idp.admin.faults.add({ kind: 'empty-keys', scope: { endpoint: 'jwks', issuer: 'gitlab' } });
    const statuses = (await verifyFor(gateway.url, token, 2500)).map((r) => r.status);
    assert.deepEqual([...new Set(statuses)], [200]);
    const text = await scrape(gateway.url);
    assert.ok(
      metricSum(text, 'jwks_fetch_total', { provider: 'gitlab', kind: 'jwks', outcome: 'implausible' }) >= 1,
    );
  });

  it('picks up new key material under the same kid after one signature failure (FM11)', async () => {
    const gateway = await start('same-kid', { JWKS_UNKNOWN_KID_COOLDOWN: '500ms' });
    const [before] = await mint();
    assert.equal((await call(`${gateway.url}/api/auth/verify`, before)).status, 200);
    await sleep(600); // outside the cooldown
    await idp.admin.keys.misrotate('gitlab', 'same-kid-new-material');
    const [after] = await mint();
    const res = await call(`${gateway.url}/api/auth/verify`, after);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await idp.admin.keys.heal('gitlab').catch(() => undefined);
  });

  it('keeps verifying through a discovery-only outage (discovery cached, FM16)', async () => {
    const gateway = await start('discovery', {
      JWKS_TTL: '1s',
      JWKS_MIN_TTL: '1s',
      JWKS_REFRESH_AHEAD: '300ms',
    });
    const [token] = await mint();
    assert.equal((await call(`${gateway.url}/api/auth/verify`, token)).status, 200);
    await idp.admin.faults.add({
      kind: 'status',
      scope: { endpoint: 'discovery' },
      attributes: { status: 503 },
    });
    const statuses = (await verifyFor(gateway.url, token, 2500)).map((r) => r.status);
    assert.deepEqual([...new Set(statuses)], [200]);
    const text = await scrape(gateway.url);
    assert.equal(metricSum(text, 'jwks_fetch_total', { provider: 'gitlab', kind: 'discovery' }), 1);
    assert.ok(metricSum(text, 'jwks_fetch_total', { provider: 'gitlab', kind: 'jwks', outcome: 'ok' }) >= 2);
  });

  it('gives up on a slow-drip JWKS body at the total deadline (FM15)', async () => {
    await idp.admin.faults.add({
      kind: 'drip',
      scope: { endpoint: 'jwks', issuer: 'gitlab' },
      attributes: { chunkBytes: 8, interval: 100 },
    });
    const gateway = await start('drip', { JWKS_FETCH_TIMEOUT: '800ms', GATEWAY_VERIFY_TIMEOUT: '3s' });
    const [token] = await mint();
    const started = Date.now();
    const res = await call(`${gateway.url}/api/auth/verify`, token);
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.ok(Date.now() - started < 2500, `answered after ${Date.now() - started}ms`);
    const text = await scrape(gateway.url);
    assert.ok(
      metricSum(text, 'jwks_fetch_total', { provider: 'gitlab', kind: 'jwks', outcome: 'timeout' }) >= 1,
    );
  });

  it('bounds a hanging JWKS fetch by its deadline and answers 503, not 401', async () => {
    await idp.admin.faults.add({ kind: 'hang', scope: { endpoint: 'jwks', issuer: 'gitlab' } });
    const gateway = await start('hang', { JWKS_FETCH_TIMEOUT: '700ms', GATEWAY_VERIFY_TIMEOUT: '3s' });
    const [token] = await mint();
    const started = Date.now();
    const res = await call(`${gateway.url}/api/auth/verify`, token);
    const elapsed = Date.now() - started;
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.ok(elapsed < 2500, `answered after ${elapsed}ms`);
    const text = await scrape(gateway.url);
    assert.ok(
      metricSum(text, 'jwks_fetch_total', { provider: 'gitlab', kind: 'jwks', outcome: 'timeout' }) >= 1,
    );
  });
});
