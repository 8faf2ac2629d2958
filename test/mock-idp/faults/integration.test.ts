import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { AdminApiError } from '../../../mock-idp/admin-client.ts';
import { startMockIdp } from '../../../mock-idp/index.ts';
import type { MockIdp } from '../../../mock-idp/index.ts';
import { httpGet } from './loopback-data-plane.ts';

async function adminError(promise: Promise<unknown>): Promise<AdminApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AdminApiError, String(error));
    return error;
  }
  assert.fail('expected the admin call to fail');
}

describe('HTTP faults through startMockIdp and admin.faults', () => {
  let idp: MockIdp;
  before(async () => {
    idp = await startMockIdp({ seed: 7 });
  });
  afterEach(async () => {
    await idp.admin.faults.clear();
  });
  after(async () => {
    await idp.close();
  });

  it('delays one replica’s JWKS fetches and not another’s, until the fault is removed', async () => {
    const slowUrl = idp.urlsFor('gitlab', 'replica-1').jwksUrl;
    const fastUrl = idp.urlsFor('gitlab', 'replica-2').jwksUrl;
    const record = await idp.admin.faults.add({
      kind: 'latency',
      scope: { issuer: 'gitlab', endpoint: 'jwks', client: 'replica-1' },
      attributes: { ms: '400ms' },
    });
    assert.match(record.id, /^fault-/);
    assert.ok(Date.parse(record.expiresAt) > Date.now());
    assert.deepEqual(
      (await idp.admin.faults.list()).map((f) => f.id),
      [record.id],
    );
    const [slow, fast] = await Promise.all([httpGet(slowUrl), httpGet(fastUrl)]);
    assert.equal(slow.status, 200);
    assert.ok(Array.isArray((JSON.parse(slow.body.toString()) as { keys: unknown[] }).keys));
    assert.ok(slow.elapsedMs >= 390 && slow.elapsedMs < 3000, `slow ${slow.elapsedMs}ms`);
    assert.ok(fast.elapsedMs < slow.elapsedMs - 150, `fast ${fast.elapsedMs}ms`);
    assert.equal((await idp.admin.faults.get(record.id)).applied, 1);
    await idp.admin.faults.remove(record.id);
    assert.ok((await httpGet(slowUrl)).elapsedMs < 390);
    assert.equal((await adminError(idp.admin.faults.remove(record.id))).status, 404);
  });

  it('serves the fault kinds on the real data plane', async () => {
    const jwks = idp.urlsFor('gitlab').jwksUrl;
    const f503 = await idp.admin.faults.add({ kind: 'status', attributes: { status: 503 } });
    assert.equal((await httpGet(jwks)).status, 503);
    await idp.admin.faults.remove(f503.id);
    const empty = await idp.admin.faults.add({ kind: 'empty-keys' });
    assert.deepEqual(JSON.parse((await httpGet(jwks)).body.toString()), { keys: [] });
    await idp.admin.faults.remove(empty.id);
    await idp.admin.faults.add({ kind: 'reset', scope: { endpoint: 'discovery' } });
    assert.equal((await httpGet(idp.urlsFor('gitlab').discoveryUrl)).error, 'ECONNRESET');
    assert.equal((await httpGet(jwks)).status, 200, 'other endpoints unaffected');
  });

  it('breaks a real relying party (jose remote JWKS) with each poisoned-body kind, and heals when removed', async () => {
    const urls = idp.urlsFor('gitlab', 'rp');
    const { tokens } = await idp.admin.tokens.mint('gitlab', { shape: 'valid' });
    const token = tokens[0] ?? '';
    // A fresh key set per attempt: jose caches keys, a real SUT's first fetch is what we poison.
    const verify = () =>
      jwtVerify(token, createRemoteJWKSet(new URL(urls.jwksUrl), { timeoutDuration: 2000 }));
    await verify();
    for (const kind of ['empty-keys', 'malformed-json', 'content-type', 'truncate'] as const) {
      const fault = await idp.admin.faults.add(
        kind === 'content-type' ? { kind, attributes: { body: 'html' } } : { kind },
      );
      await assert.rejects(verify(), `${kind} must make verification fail`);
      await idp.admin.faults.remove(fault.id);
    }
    await verify();
  });

  it('frees a hung request when the fault is removed through the admin API', async () => {
    const hang = await idp.admin.faults.add({ kind: 'hang', scope: { issuer: 'customersdot' } });
    const pending = httpGet(idp.urlsFor('customersdot').jwksUrl, { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 250));
    await idp.admin.faults.remove(hang.id);
    const r = await pending;
    assert.ok(r.error !== undefined && r.error !== 'ETIMEDOUT', `error ${r.error}`);
    assert.ok(r.elapsedMs < 5000);
  });

  it('answers a bad spec with 400 naming each field and an unknown issuer with 404; the server stays healthy', async () => {
    const bad = await adminError(
      idp.admin.faults.add({
        kind: 'latency',
        ttl: 'forever',
        schedule: { probability: 2 },
        attributes: { ms: 'slow' },
      }),
    );
    assert.equal(bad.status, 400);
    const paths = bad.problems.map((p) => p.path).sort();
    assert.deepEqual(paths, ['attributes.ms', 'schedule.probability', 'ttl']);
    const unknown = await adminError(idp.admin.faults.add({ kind: 'reset', scope: { issuer: 'nobody' } }));
    assert.equal(unknown.status, 404);
    assert.deepEqual(await idp.admin.faults.list(), []);
    assert.deepEqual(await idp.admin.health(), { ok: true });
    assert.equal((await httpGet(idp.urlsFor('gitlab').jwksUrl)).status, 200);
  });

  it('reproduces the same faulted requests for the same provider seed', async () => {
    const pattern = async (seed: number) => {
      const other = await startMockIdp({ seed });
      try {
        await other.admin.faults.add({
          kind: 'status',
          schedule: { probability: 0.4 },
          attributes: { status: 500 },
        });
        const hits: number[] = [];
        for (let i = 0; i < 30; i++)
          if ((await httpGet(other.urlsFor('gitlab').jwksUrl)).status === 500) hits.push(i);
        return hits;
      } finally {
        await other.close();
      }
    };
    const a = await pattern(11);
    assert.deepEqual(await pattern(11), a);
    assert.ok(a.length > 0 && a.length < 30);
  });
});

describe('shutdown with faults in progress', () => {
  it('closes promptly while requests hang or drip, ending them instead of leaking sockets', async () => {
    const idp = await startMockIdp({ seed: 2 });
    await idp.admin.faults.add({ kind: 'hang', scope: { issuer: 'gitlab' } });
    await idp.admin.faults.add({
      kind: 'drip',
      scope: { issuer: 'customersdot' },
      attributes: { chunkBytes: 1, interval: '1s' },
    });
    const hung = httpGet(idp.urlsFor('gitlab').jwksUrl, { timeoutMs: 20_000 });
    const dripping = httpGet(idp.urlsFor('customersdot').jwksUrl, { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await idp.close();
    assert.ok(Date.now() - started < 5000, `close took ${Date.now() - started}ms`);
    const [h, d] = await Promise.all([hung, dripping]);
    assert.ok(h.error !== undefined && h.error !== 'ETIMEDOUT', `hang ended with ${h.error}`);
    assert.ok(h.elapsedMs < 8000);
    assert.ok(d.elapsedMs < 8000, `drip ended after ${d.elapsedMs}ms`);
  });
});
