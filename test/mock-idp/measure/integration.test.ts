import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AdminApiError } from '../../../mock-idp/admin-client.ts';
import { startMockIdp } from '../../../mock-idp/index.ts';
import type { MockIdp } from '../../../mock-idp/index.ts';
import { httpGet } from '../faults/loopback-data-plane.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** POSTs a form to the token endpoint on a fresh connection. */
function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  const body = new URLSearchParams(form).toString();
  return new Promise<number>((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': String(body.length),
          ...headers,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('measurements through startMockIdp and admin.stats', () => {
  let idp: MockIdp;
  before(async () => {
    idp = await startMockIdp({ seed: 3 });
  });
  beforeEach(async () => {
    await idp.admin.reset();
  });
  after(async () => {
    await idp.close();
  });

  it('reports the peak of 100 parallel JWKS fetches per replica and overall', async () => {
    await idp.admin.faults.add({ kind: 'latency', scope: { endpoint: 'jwks' }, attributes: { ms: '1s' } });
    await idp.admin.stats.mark('burst');
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => httpGet(idp.urlsFor('gitlab', `replica-${i % 4}`).jwksUrl)),
    );
    assert.ok(results.every((r) => r.status === 200));
    const stats = await idp.admin.stats.get({ since: 'burst' });
    assert.equal(stats.totals.jwksFetches, 100);
    assert.ok(stats.totals.jwksInFlightPeak >= 90, `peak ${stats.totals.jwksInFlightPeak}`);
    assert.equal(stats.totals.jwksInFlight, 0);
    for (let r = 0; r < 4; r++) {
      const c = stats.clients[`replica-${r}`];
      assert.equal(c?.jwksFetches, 25);
      assert.ok(
        (c?.jwksInFlightPeak ?? 0) >= 20 && (c?.jwksInFlightPeak ?? 0) <= 25,
        `replica-${r} ${c?.jwksInFlightPeak}`,
      );
    }
    assert.equal(stats.faults.byKind.latency, 100);
    const metrics = await fetch(idp.metricsUrl);
    assert.equal(metrics.status, 200);
    const text = await metrics.text();
    assert.match(text, /mockidp_jwks_fetches_total\{client="replica-0",issuer="gitlab"\} 25/);
    assert.match(text, /mockidp_jwks_requests_in_flight_global_peak \d+/);
  });

  it('counts the fetch that follows a token with an unknown kid, once per replica', async () => {
    const jwks = (id: string) => httpGet(idp.urlsFor('gitlab', id).jwksUrl);
    await jwks('r1');
    await idp.admin.tokens.mint('gitlab', { shape: 'rogue-key' });
    await jwks('r1');
    await jwks('r1');
    await jwks('r2');
    const s = await idp.admin.stats.get();
    assert.equal(s.issuers.gitlab?.unknownKidTokens, 1);
    assert.equal(s.clients.r1?.jwksFetchesAfterUnknownKid, 1);
    assert.equal(s.clients.r2?.jwksFetchesAfterUnknownKid, 1);
    assert.equal(s.totals.jwksFetches, 4);
  });

  it('counts tokens by grant and alg and journals requests with secrets redacted', async () => {
    const tokenUrl = idp.urlsFor('gitlab', 'sut').tokenUrl;
    const status = await postForm(tokenUrl, {
      grant_type: 'client_credentials',
      client_id: 'svc',
      client_secret: 's3cr3t-value',
    });
    assert.equal(status, 200);
    await postForm(
      tokenUrl,
      { grant_type: 'client_credentials' },
      { authorization: `Basic ${Buffer.from('svc:pw-9').toString('base64')}` },
    );
    await httpGet(`${idp.urlsFor('gitlab', 'sut').authorizeUrl}?client_id=svc&code=the-code&state=xyz`);
    await sleep(20);
    const s = await idp.admin.stats.get({ client: 'sut' });
    assert.ok((s.tokens.byGrant.client_credentials ?? 0) >= 1);
    assert.equal(s.clients.sut?.byEndpoint.token, 2);
    const entries = await idp.admin.stats.journal({ limit: 3 });
    assert.equal(entries.length, 3);
    const text = JSON.stringify(entries);
    for (const secret of ['s3cr3t-value', 'pw-9', Buffer.from('svc:pw-9').toString('base64'), 'the-code']) {
      assert.ok(!text.includes(secret), `journal leaks ${secret}`);
    }
    assert.equal(entries[1]?.headers.authorization, '[redacted]');
    assert.equal(entries[2]?.clientId, 'sut');
  });

  it('streams fault and mark events over Server-Sent Events to an authorised reader', async () => {
    const controller = new AbortController();
    const res = await fetch(`${idp.adminUrl}/events`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${idp.adminToken}` },
      signal: controller.signal,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = res.body?.getReader();
    assert.ok(reader);
    await idp.admin.stats.mark('sse');
    const fault = await idp.admin.faults.add({ kind: 'reset', ttl: '30s' });
    let text = '';
    const deadline = Date.now() + 5000;
    while (!text.includes(`"id":"${fault.id}"`) && Date.now() < deadline) {
      const { value, done } = (await reader.read()) as { value?: Uint8Array; done: boolean };
      if (done) break;
      if (value !== undefined) text += Buffer.from(value).toString();
    }
    controller.abort();
    await reader.cancel().catch(() => {});
    assert.match(text, /event: mark\n/);
    assert.match(text, new RegExp(`event: fault.added\\ndata: .*"id":"${fault.id}"`));
    const polled = await idp.admin.stats.events();
    assert.ok(polled.some((e) => e.type === 'fault.added'));
  });

  it('rejects bad stats input with 400 naming the field and unknown marks with 404', async () => {
    const problem = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        assert.ok(e instanceof AdminApiError);
        return e;
      }
      assert.fail('expected failure');
    };
    const limit = await problem(idp.admin.stats.journal({ limit: 0 }));
    assert.equal(limit.status, 400);
    assert.equal(limit.problems[0]?.path, 'limit');
    const mark = await problem(idp.admin.stats.mark('bad name with spaces'));
    assert.equal(mark.problems[0]?.path, 'name');
    assert.equal((await problem(idp.admin.stats.get({ since: 'never-marked' }))).status, 404);
    assert.deepEqual(await idp.admin.health(), { ok: true });
  });
});
