import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createFaultPlan } from '../../../mock-idp/faults/fault-plan.ts';
import type { FaultPlan } from '../../../mock-idp/faults/fault-plan.ts';
import { createMeasurements } from '../../../mock-idp/measure/measurements.ts';
import type { Measurements } from '../../../mock-idp/measure/measurements.ts';
import { createRandom } from '../../../src/util/random.ts';
import { httpGet, startDataPlane } from '../faults/loopback-data-plane.ts';
import type { DataPlane } from '../faults/loopback-data-plane.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function settle(plane: DataPlane, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (plane.outcomes.length < count && Date.now() < deadline) await sleep(5);
  assert.equal(plane.outcomes.length, count, 'every request must have ended');
}

describe('measurements on a real data plane', () => {
  let m: Measurements;
  let plan: FaultPlan;
  let plane: DataPlane;
  const fresh = () => {
    plan.clear();
    m.reset();
    plane.outcomes.length = 0;
  };
  before(async () => {
    m = createMeasurements();
    plan = createFaultPlan({ random: createRandom(5), onEvent: (e) => m.onEvent(e) });
    plane = await startDataPlane({ plan, hooks: m });
  });
  after(async () => {
    plan.clear();
    m.close();
    await plane.close();
  });

  it('reports the peak of 100 parallel JWKS fetches, per client and overall', async () => {
    fresh();
    plan.add({ kind: 'latency', scope: { endpoint: 'jwks' }, attributes: { ms: '1s' } });
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        httpGet(`${plane.url}/_c/${i % 2 === 0 ? 'a' : 'b'}/gitlab/jwks`),
      ),
    );
    assert.ok(results.every((r) => r.status === 200));
    await settle(plane, 100);
    const stats = m.stats();
    assert.equal(stats.totals.jwksFetches, 100);
    assert.ok(
      stats.totals.jwksInFlightPeak >= 90 && stats.totals.jwksInFlightPeak <= 100,
      `peak ${stats.totals.jwksInFlightPeak}`,
    );
    assert.equal(stats.totals.jwksInFlight, 0);
    for (const id of ['a', 'b']) {
      const c = stats.clients[id];
      assert.equal(c?.jwksFetches, 50);
      assert.ok(
        (c?.jwksInFlightPeak ?? 0) >= 45 && (c?.jwksInFlightPeak ?? 0) <= 50,
        `${id} peak ${c?.jwksInFlightPeak}`,
      );
      assert.equal(c?.issuers.gitlab?.jwksFetches, 50);
    }
    assert.equal(stats.issuers.gitlab?.jwksInFlightPeak, stats.totals.jwksInFlightPeak);
    assert.equal(stats.faults.byKind.latency, 100);
    const text = await m.metricsText();
    assert.match(
      text,
      new RegExp(
        `mockidp_jwks_requests_in_flight_peak\\{client="a",issuer="gitlab"\\} ${stats.clients.a?.jwksInFlightPeak}`,
      ),
    );
    assert.match(text, /mockidp_jwks_fetches_total\{client="b",issuer="gitlab"\} 50/);
    assert.match(text, /mockidp_faults_injected_total\{kind="latency"\} 100/);
    assert.match(
      text,
      /mockidp_requests_total\{issuer="gitlab",endpoint="jwks",status="200",fault="latency"\} 100/,
    );
    assert.match(
      text,
      /mockidp_request_duration_seconds_bucket\{issuer="gitlab",endpoint="jwks",le="0.5"\} 0/,
    );
    assert.match(text, /mockidp_request_duration_seconds_count\{issuer="gitlab",endpoint="jwks"\} 100/);
  });

  it('tracks peaks per open mark, not only since reset', async () => {
    fresh();
    plan.add({ kind: 'latency', scope: { endpoint: 'jwks' }, attributes: { ms: '600ms' } });
    m.mark('phase-1');
    await Promise.all(Array.from({ length: 12 }, () => httpGet(`${plane.url}/_c/r1/gitlab/jwks`)));
    m.mark('phase-2');
    await Promise.all(Array.from({ length: 3 }, () => httpGet(`${plane.url}/_c/r1/gitlab/jwks`)));
    await settle(plane, 15);
    const p1 = m.stats({ since: 'phase-1' });
    const p2 = m.stats({ since: 'phase-2' });
    assert.ok(p1.totals.jwksInFlightPeak >= 10, `phase-1 peak ${p1.totals.jwksInFlightPeak}`);
    assert.equal(p2.totals.jwksInFlightPeak, 3);
    assert.equal(p2.clients.r1?.jwksInFlightPeak, 3);
    assert.equal(p1.totals.jwksFetches, 15);
    assert.equal(p2.totals.jwksFetches, 3);
    assert.equal(p2.since.mark, 'phase-2');
    assert.deepEqual(
      m.marks().map((x) => x.name),
      ['phase-1', 'phase-2'],
    );
    assert.throws(() => m.stats({ since: 'nope' }), /unknown mark/);
  });

  it('counts per client by /_c/ prefix or header, per issuer and per endpoint', async () => {
    fresh();
    await httpGet(`${plane.url}/_c/replica-1/gitlab/jwks`);
    await httpGet(`${plane.url}/_c/replica-1/gitlab/jwks`);
    await httpGet(`${plane.url}/_c/replica-1/customers/jwks`);
    await httpGet(`${plane.url}/_c/replica-2/gitlab/.well-known/openid-configuration`);
    await httpGet(`${plane.url}/gitlab/jwks`, { headers: { 'x-keystorm-client': 'replica-3' } });
    await httpGet(`${plane.url}/gitlab/token`);
    await settle(plane, 6);
    const s = m.stats();
    assert.equal(s.clients['replica-1']?.jwksFetches, 3);
    assert.equal(s.clients['replica-1']?.issuers.gitlab?.jwksFetches, 2);
    assert.equal(s.clients['replica-1']?.issuers.customers?.jwksFetches, 1);
    assert.equal(s.clients['replica-2']?.jwksFetches, 0);
    assert.equal(s.clients['replica-2']?.byEndpoint.discovery, 1);
    assert.equal(s.clients['replica-3']?.jwksFetches, 1);
    assert.equal(s.clients.anonymous?.byEndpoint.token, 1);
    assert.equal(s.issuers.gitlab?.jwksFetches, 3);
    assert.equal(s.issuers.customers?.jwksFetches, 1);
    assert.equal(s.issuers.gitlab?.byStatus['200'], 5);
    assert.equal(s.totals.requests, 6);
    const one = m.stats({ client: 'replica-1' });
    assert.deepEqual(Object.keys(one.clients), ['replica-1']);
    assert.equal(m.stats({ client: 'never-seen' }).clients['never-seen']?.jwksFetches, 0);
  });

  it('counts a JWKS fetch after an unknown-kid token once per client', async () => {
    fresh();
    await httpGet(`${plane.url}/_c/a/gitlab/jwks`); // before: not counted
    m.onUnknownKidIssued({ issuer: 'gitlab', kid: 'rogue-1' });
    await httpGet(`${plane.url}/_c/a/gitlab/jwks`); // counted
    await httpGet(`${plane.url}/_c/a/gitlab/jwks`); // not again
    await httpGet(`${plane.url}/_c/b/gitlab/jwks`); // b's first after it: counted
    await httpGet(`${plane.url}/_c/a/customers/jwks`); // other issuer: not counted
    m.onUnknownKidIssued({ issuer: 'gitlab', kid: 'rogue-2' });
    await httpGet(`${plane.url}/_c/a/gitlab/jwks`); // counted again
    await settle(plane, 6);
    const s = m.stats();
    assert.equal(s.clients.a?.jwksFetchesAfterUnknownKid, 2);
    assert.equal(s.clients.b?.jwksFetchesAfterUnknownKid, 1);
    assert.equal(s.issuers.gitlab?.jwksFetchesAfterUnknownKid, 3);
    assert.equal(s.issuers.gitlab?.unknownKidTokens, 2);
    assert.equal(s.issuers.customers?.jwksFetchesAfterUnknownKid, 0);
    assert.notEqual(s.issuers.gitlab?.lastUnknownKidAt, null);
    assert.match(
      await m.metricsText(),
      /mockidp_jwks_fetches_after_unknown_kid_total\{client="a",issuer="gitlab"\} 2/,
    );
  });

  it('counts open sockets per client (owner = first request) and their peak', async () => {
    fresh();
    const agent = new Agent({ keepAlive: true, maxSockets: 3 });
    const get = (path: string) =>
      new Promise<void>((resolve, reject) => {
        httpRequest(`${plane.url}${path}`, { agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        })
          .on('error', reject)
          .end();
      });
    plan.add({ kind: 'latency', scope: { client: 'pool' }, attributes: { ms: 200 } });
    await Promise.all(Array.from({ length: 6 }, () => get('/_c/pool/gitlab/jwks')));
    await settle(plane, 6);
    let c = m.stats().clients.pool;
    assert.equal(c?.openSockets, 3);
    assert.equal(c?.openSocketsPeak, 3);
    assert.equal(c?.connections, 3);
    agent.destroy();
    const deadline = Date.now() + 5000;
    while ((m.stats().clients.pool?.openSockets ?? 0) > 0 && Date.now() < deadline) await sleep(10);
    c = m.stats().clients.pool;
    assert.equal(c?.openSockets, 0);
    assert.equal(c?.openSocketsPeak, 3);
    assert.match(await m.metricsText(), /mockidp_open_sockets_peak\{client="pool"\} 3/);
  });

  it('reports fetch inter-arrival times (min/avg/p50/max) since a mark', async () => {
    fresh();
    await httpGet(`${plane.url}/_c/ia/gitlab/jwks`);
    m.mark('gaps');
    await httpGet(`${plane.url}/_c/ia/gitlab/jwks`);
    await sleep(100);
    await httpGet(`${plane.url}/_c/ia/gitlab/jwks`);
    await sleep(300);
    await httpGet(`${plane.url}/_c/ia/gitlab/jwks`);
    await settle(plane, 4);
    const ia = m.stats({ since: 'gaps' }).clients.ia?.issuers.gitlab?.interArrival;
    assert.equal(ia?.fetches, 3);
    assert.equal(ia?.gaps, 2);
    assert.ok((ia?.minMs ?? 0) >= 95 && (ia?.minMs ?? 0) < 1000, `min ${ia?.minMs}`);
    assert.ok((ia?.maxMs ?? 0) >= 295 && (ia?.maxMs ?? 0) < 2000, `max ${ia?.maxMs}`);
    assert.equal(ia?.p50Ms, ia?.minMs);
    assert.equal(m.stats().clients.ia?.interArrival.fetches, 4);
    assert.match(
      await m.metricsText(),
      /mockidp_jwks_fetch_interarrival_seconds_count\{client="ia",issuer="gitlab"\} 3/,
    );
  });

  it('counts tokens issued by grant and alg, and zeroes counters on reset but keeps marks out', async () => {
    fresh();
    m.onTokenIssued({
      issuer: 'gitlab',
      grant: 'client_credentials',
      alg: 'ES256',
      kid: 'k1',
      shape: 'valid',
    });
    m.onTokenIssued({ issuer: 'gitlab', grant: 'admin', alg: 'RS256', kid: undefined, shape: 'expired' });
    let s = m.stats();
    assert.deepEqual(s.tokens.byGrant, { client_credentials: 1, admin: 1 });
    assert.deepEqual(s.tokens.byAlg, { ES256: 1, RS256: 1 });
    assert.equal(s.issuers.gitlab?.tokensIssued, 2);
    assert.match(
      await m.metricsText(),
      /mockidp_tokens_issued_total\{issuer="gitlab",grant="client_credentials",alg="ES256"\} 1/,
    );
    m.mark('x');
    m.reset();
    s = m.stats();
    assert.equal(s.totals.tokensIssued, 0);
    assert.deepEqual(m.marks(), []);
    assert.equal(s.since.mark, null);
  });

  it('keeps a bounded journal with secrets redacted', async () => {
    const small = createMeasurements({ journalSize: 5 });
    const p = await startDataPlane({ hooks: small });
    try {
      await httpGet(`${p.url}/gitlab/userinfo`, {
        headers: { authorization: 'Bearer eyJsecret', 'user-agent': 'sut/1' },
      });
      await httpGet(
        `${p.url}/gitlab/authorize?client_id=app&code=abc123&state=s1&code_verifier=v&refresh_token=r&access_token=t`,
      );
      for (let i = 0; i < 6; i++) await httpGet(`${p.url}/_c/j/gitlab/jwks`);
      await settle(p, 8);
      const all = small.journal();
      assert.equal(all.length, 5);
      assert.deepEqual(
        all.map((e) => e.id),
        [4, 5, 6, 7, 8],
      );
      assert.equal(small.journal(2).length, 2);
      assert.equal(small.journal(2)[1]?.id, 8);
      const big = createMeasurements({ journalSize: 10 });
      const q = await startDataPlane({ hooks: big });
      try {
        await httpGet(`${q.url}/gitlab/userinfo`, {
          headers: { authorization: 'Bearer eyJsecret', 'user-agent': 'sut/1' },
        });
        await httpGet(
          `${q.url}/gitlab/authorize?client_id=app&code=abc123&state=s1&code_verifier=v&refresh_token=r&access_token=t`,
        );
        await settle(q, 2);
        const [userinfo, authorize] = big.journal();
        const text = JSON.stringify(big.journal());
        for (const secret of [
          'eyJsecret',
          'abc123',
          'code_verifier=v',
          'refresh_token=r',
          'access_token=t',
        ]) {
          assert.ok(!text.includes(secret), `journal leaks ${secret}`);
        }
        assert.equal(userinfo?.headers.authorization, '[redacted]');
        assert.equal(userinfo?.headers['user-agent'], 'sut/1');
        assert.match(authorize?.path ?? '', /client_id=app&code=%5Bredacted%5D&state=s1/);
        assert.equal(authorize?.status, 200);
        assert.equal(authorize?.endpoint, 'authorize');
      } finally {
        await q.close();
      }
    } finally {
      await p.close();
    }
  });
});
