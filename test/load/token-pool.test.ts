import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { startMockIdp } from '../../mock-idp/index.ts';
import type { MockIdp } from '../../mock-idp/index.ts';
import { HarnessError } from '../../src/errors.ts';
import { createTokenPool } from '../../src/load/token-pool.ts';
import type { TokenPool, TokenPoolOptions } from '../../src/load/token-pool.ts';

/** A clock the test moves by hand: token lifetimes pass without sleeping, HTTP stays real. */
function manualClock(start = Date.now()): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('token pool against a real mock-idp', () => {
  let idp: MockIdp;
  let tokenUrl: string;
  const pools: TokenPool[] = [];

  before(async () => {
    idp = await startMockIdp({ seed: 7, alg: 'ES256' });
    const gitlab = idp.issuers.find((i) => i.name === 'gitlab');
    assert.ok(gitlab);
    tokenUrl = gitlab.tokenUrl;
  });
  after(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await idp.close();
  });

  function pool(options: Partial<TokenPoolOptions>): TokenPool {
    const p = createTokenPool({ tokenUrl, seed: 1, ...options });
    pools.push(p);
    return p;
  }

  it('obtains one token per client with client_credentials and hands them out in turn', async () => {
    const p = pool({ clients: 3, expiresIn: 120 });
    await p.start();
    const seen = [];
    for (let i = 0; i < 6; i++) seen.push(await p.take());
    assert.deepEqual(
      seen.map((t) => t.client),
      [
        'keystorm-client-0',
        'keystorm-client-1',
        'keystorm-client-2',
        'keystorm-client-0',
        'keystorm-client-1',
        'keystorm-client-2',
      ],
    );
    assert.ok(seen.every((t) => t.state === 'fresh'));
    const first = seen[0];
    assert.ok(first);
    assert.equal(first.claims.sub, 'keystorm-client-0');
    assert.equal(first.claims.gitlab_instance_id, '00000000-0000-4000-8000-000000000001');
    assert.equal(decodeJwt(first.token).exp, first.claims.exp);
    assert.equal(new Set(seen.map((t) => t.token)).size, 3);
    assert.deepEqual(p.stats().grants, { client_credentials: 3, authorization_code: 0, refresh_token: 0 });
  });

  it('renews a token before it expires, tags its first use as refreshed, then expiring near the end', async () => {
    const clock = manualClock();
    const p = pool({
      clients: 1,
      expiresIn: 60,
      refreshSkewMs: 5000,
      expiringWindowMs: 10_000,
      now: clock.now,
    });
    await p.start();
    const original = await p.take();
    assert.equal(original.state, 'fresh');
    clock.advance(44_000); // 16 s left: 5 s skew + 10 s window not reached yet
    assert.equal((await p.take()).state, 'fresh');
    clock.advance(2000); // 14 s left: within the expiring window
    const expiring = await p.take();
    assert.equal(expiring.state, 'expiring');
    assert.equal(expiring.token, original.token);
    clock.advance(9000); // 5 s left: the renewal point
    const renewed = await p.take();
    assert.equal(renewed.state, 'refreshed');
    assert.notEqual(renewed.token, original.token);
    assert.ok(renewed.expiresAt > original.expiresAt);
    assert.equal((await p.take()).state, 'fresh');
    assert.equal(p.stats().renewals, 1);
  });

  it('logs in once and renews with rotating refresh tokens', async () => {
    const clock = manualClock();
    const p = pool({
      clients: 2,
      grant: 'refresh_token',
      scopes: ['code_suggestions', 'duo_chat'],
      expiresIn: 30,
      now: clock.now,
    });
    await p.start();
    const before = [await p.take(), await p.take()];
    assert.equal(before[0]?.claims.scope, 'code_suggestions duo_chat');
    for (let round = 0; round < 3; round++) {
      clock.advance(30_000);
      const after = [await p.take(), await p.take()];
      assert.ok(
        after.every((t) => t.state === 'refreshed'),
        JSON.stringify(after.map((t) => t.state)),
      );
    }
    const stats = p.stats();
    assert.deepEqual(stats.grants, { client_credentials: 0, authorization_code: 2, refresh_token: 6 });
    assert.equal(stats.failures, 0);
    assert.equal(stats.renewals, 6);
  });

  it('logs in again when its refresh token is refused', async () => {
    const clock = manualClock();
    const idp2 = await startMockIdp({ seed: 8, alg: 'ES256' });
    try {
      const gitlab = idp2.issuers.find((i) => i.name === 'gitlab');
      assert.ok(gitlab);
      const p = createTokenPool({
        tokenUrl: gitlab.tokenUrl,
        grant: 'refresh_token',
        scopes: ['code_suggestions'],
        expiresIn: 30,
        now: clock.now,
      });
      pools.push(p);
      await p.start();
      await idp2.admin.reset(); // forgets every refresh token it issued
      clock.advance(30_000);
      assert.equal((await p.take()).state, 'refreshed');
      assert.deepEqual(p.stats().grants, { client_credentials: 0, authorization_code: 2, refresh_token: 1 });
      assert.equal(p.stats().failures, 0);
    } finally {
      await idp2.close();
    }
  });

  it('renews every client when told to force a refresh', async () => {
    const p = pool({ clients: 5, expiresIn: 300 });
    await p.start();
    const before = await Promise.all(Array.from({ length: 5 }, async () => p.take()));
    await p.forceRefresh();
    const after = await Promise.all(Array.from({ length: 5 }, async () => p.take()));
    assert.ok(after.every((t) => t.state === 'refreshed'));
    for (let i = 0; i < 5; i++) assert.notEqual(after[i]?.token, before[i]?.token);
    assert.equal(p.stats().renewals, 5);
    assert.equal(p.stats().forcedRefreshes, 1);
  });

  it('obtains tokens that expire together (aligned) or spread by a seeded jitter', async () => {
    const aligned = pool({ clients: 12, expiresIn: 60, expiry: { mode: 'aligned' } });
    await aligned.start();
    const alignedExp = new Set<unknown>();
    for (let i = 0; i < 12; i++) alignedExp.add((await aligned.take()).claims.exp);
    assert.equal(alignedExp.size, 1, `exp values: ${[...alignedExp].join(', ')}`);
    assert.equal(Number([...alignedExp][0]) % 60, 0);

    const jittered = pool({ clients: 12, expiresIn: 60, expiry: { mode: 'jittered', jitterS: 120 } });
    await jittered.start();
    const exps: number[] = [];
    for (let i = 0; i < 12; i++) exps.push(Number((await jittered.take()).claims.exp));
    assert.ok(new Set(exps).size >= 6, `exp values: ${exps.join(', ')}`);
    assert.ok(
      Math.max(...exps) - Math.min(...exps) <= 121,
      `spread ${Math.max(...exps) - Math.min(...exps)}`,
    );
  });

  it('expires every token at once or spread over a window, and renews on next use', async () => {
    const clock = manualClock();
    const p = pool({ clients: 10, expiresIn: 600, now: clock.now, seed: 3 });
    await p.start();
    p.expireAll({ mode: 'aligned' });
    assert.ok(p.clients().every((c) => c.renewAt <= clock.now()));
    for (let i = 0; i < 10; i++) assert.equal((await p.take()).state, 'refreshed');
    assert.equal(p.stats().renewals, 10);

    p.expireAll({ mode: 'jittered', spreadMs: 10_000 });
    const renewAts = p.clients().map((c) => c.renewAt - clock.now());
    assert.ok(
      renewAts.every((d) => d >= 0 && d <= 10_000),
      renewAts.join(', '),
    );
    assert.ok(new Set(renewAts).size >= 8, renewAts.join(', '));
    clock.advance(5000);
    const due = renewAts.filter((d) => d <= 5000).length;
    for (let i = 0; i < 10; i++) await p.take();
    assert.equal(p.stats().renewals, 10 + due);
    assert.ok(due > 0 && due < 10, `due ${due}`);
  });

  it('keeps its token, backs off and tags requests stale when the token endpoint fails', async () => {
    const clock = manualClock();
    const p = pool({ clients: 1, expiresIn: 20, refreshSkewMs: 2000, now: clock.now });
    await p.start();
    const fault = await idp.admin.faults.add({
      kind: 'status',
      scope: { issuer: 'gitlab', endpoint: 'token' },
      attributes: { status: 503 },
    });
    try {
      clock.advance(18_500); // past the renewal point, before expiry
      const kept = await p.take();
      assert.equal(kept.state, 'expiring');
      assert.equal(p.stats().failures, 1);
      assert.match(p.stats().lastError ?? '', /503/);
      await p.take(); // within the back-off: no new attempt
      assert.equal(p.stats().failures, 1);
      clock.advance(2000); // expired, back-off over: another attempt fails
      const stale = await p.take();
      assert.equal(stale.state, 'stale');
      assert.equal(p.stats().failures, 2);
      assert.equal(p.stats().expired, 1);
    } finally {
      await idp.admin.faults.remove(fault.id);
    }
    clock.advance(1000);
    assert.equal((await p.take()).state, 'refreshed');
  });

  it('fails to start with a clear error when no token can be obtained', async () => {
    const p = pool({ tokenUrl: tokenUrl.replace('/gitlab/', '/no-such-issuer/') });
    await assert.rejects(p.start(), (error: unknown) => {
      assert.ok(error instanceof HarnessError);
      assert.match(error.message, /no client could obtain a token .*404/);
      return true;
    });
  });

  it('rejects bad options naming them, and non-loopback endpoints', () => {
    assert.throws(() => createTokenPool({ tokenUrl, clients: 0 }), /clients: must be an integer/);
    assert.throws(() => createTokenPool({ tokenUrl, expiresIn: 1.5 }), /expiresIn/);
    assert.throws(() => createTokenPool({ tokenUrl, grant: 'refresh_token' }), /scopes: required/);
    assert.throws(() => createTokenPool({ tokenUrl: 'http://example.com/token' }), /only loopback/);
  });
});
