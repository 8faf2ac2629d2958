import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createFaultPlan } from '../../../mock-idp/faults/fault-plan.ts';
import type { FaultPlan } from '../../../mock-idp/faults/fault-plan.ts';
import { createRandom } from '../../../src/util/random.ts';
import { httpGet, JWKS_BODY, startDataPlane } from './loopback-data-plane.ts';
import type { DataPlane } from './loopback-data-plane.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (bounded) until the data plane has recorded `count` outcomes. */
async function outcomesAfter(plane: DataPlane, count: number, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (plane.outcomes.length < count && Date.now() < deadline) await sleep(10);
  return plane.outcomes.slice(0, count);
}

describe('HTTP fault kinds on a real socket', () => {
  let plan: FaultPlan;
  let plane: DataPlane;
  before(async () => {
    plan = createFaultPlan({ random: createRandom(1) });
    plane = await startDataPlane({ plan });
  });
  after(async () => {
    plan.clear();
    await plane.close();
  });
  beforeEach(() => {
    plan.clear();
    plane.outcomes.length = 0;
  });

  it('answers normally while no fault is installed (idle)', async () => {
    assert.equal(plan.idle, true);
    const r = await httpGet(`${plane.url}/gitlab/jwks`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, JWKS_BODY);
  });

  it('delays only the scoped endpoint by a fixed latency', async () => {
    plan.add({ kind: 'latency', scope: { issuer: 'gitlab', endpoint: 'jwks' }, attributes: { ms: 300 } });
    assert.equal(plan.idle, false);
    const [slow, other, otherIssuer] = await Promise.all([
      httpGet(`${plane.url}/gitlab/jwks`),
      httpGet(`${plane.url}/gitlab/.well-known/openid-configuration`),
      httpGet(`${plane.url}/customers/jwks`),
    ]);
    assert.equal(slow.status, 200);
    assert.deepEqual(slow.body, JWKS_BODY);
    assert.ok(slow.elapsedMs >= 290 && slow.elapsedMs < 2300, `jwks took ${slow.elapsedMs}ms`);
    assert.ok(other.elapsedMs < slow.elapsedMs - 150, `discovery took ${other.elapsedMs}ms`);
    assert.ok(otherIssuer.elapsedMs < slow.elapsedMs - 150, `other issuer took ${otherIssuer.elapsedMs}ms`);
  });

  it('answers 503 with an OAuth error body', async () => {
    plan.add({ kind: 'status', attributes: { status: 503 } });
    const r = await httpGet(`${plane.url}/gitlab/jwks`);
    assert.equal(r.status, 503);
    assert.equal(r.headers?.['content-type'], 'application/json');
    assert.equal((JSON.parse(r.body.toString()) as { error: string }).error, 'temporarily_unavailable');
    assert.equal(r.headers?.['retry-after'], undefined);
  });

  it('answers 429 with Retry-After (default 1, or as given)', async () => {
    const f = plan.add({ kind: 'status', attributes: { status: 429 } });
    assert.equal((await httpGet(`${plane.url}/gitlab/token`)).headers?.['retry-after'], '1');
    plan.remove(f.id);
    plan.add({ kind: 'status', attributes: { status: 429, retryAfter: 7 } });
    const r = await httpGet(`${plane.url}/gitlab/token`);
    assert.equal(r.status, 429);
    assert.equal(r.headers?.['retry-after'], '7');
  });

  it('stacks latency with a response-changing fault', async () => {
    plan.add({ kind: 'latency', attributes: { ms: 250 } });
    plan.add({ kind: 'status', attributes: { status: 500 } });
    const r = await httpGet(`${plane.url}/gitlab/jwks`);
    assert.equal(r.status, 500);
    assert.ok(r.elapsedMs >= 240, `took ${r.elapsedMs}ms`);
    const [outcome] = await outcomesAfter(plane, 1);
    assert.deepEqual(outcome, { status: 500, faults: ['latency', 'status'] });
  });

  it('hangs until the client gives up, then frees the socket', async () => {
    plan.add({ kind: 'hang', scope: { endpoint: 'jwks' } });
    const r = await httpGet(`${plane.url}/gitlab/jwks`, { timeoutMs: 400 });
    assert.equal(r.error, 'ETIMEDOUT');
    assert.equal(r.status, undefined);
    assert.ok(r.elapsedMs >= 390 && r.elapsedMs < 2500, `gave up after ${r.elapsedMs}ms`);
    const [outcome] = await outcomesAfter(plane, 1);
    assert.deepEqual(outcome, { status: 'hang', faults: ['hang'] });
    await sleep(50);
    assert.equal(await connectionCount(plane), 0);
  });

  it('ends a hang when the fault is removed, destroying the socket', async () => {
    const f = plan.add({ kind: 'hang' });
    const pending = httpGet(`${plane.url}/gitlab/jwks`, { timeoutMs: 10_000 });
    await sleep(300);
    assert.equal(plan.remove(f.id), true);
    const r = await pending;
    assert.ok(r.error !== undefined && r.error !== 'ETIMEDOUT', `error ${r.error}`);
    assert.ok(r.elapsedMs >= 290 && r.elapsedMs < 3000, `ended after ${r.elapsedMs}ms`);
  });

  it('ends a hang when the fault TTL expires', async () => {
    plan.add({ kind: 'hang', ttl: '400ms' });
    const r = await httpGet(`${plane.url}/gitlab/jwks`, { timeoutMs: 10_000 });
    assert.ok(r.error !== undefined && r.error !== 'ETIMEDOUT', `error ${r.error}`);
    assert.ok(r.elapsedMs >= 350 && r.elapsedMs < 3000, `ended after ${r.elapsedMs}ms`);
    assert.equal(plan.list().length, 0);
    assert.equal((await httpGet(`${plane.url}/gitlab/jwks`)).status, 200);
  });

  it('hangs after headers when asked to: status seen, body never arrives', async () => {
    plan.add({ kind: 'hang', attributes: { stage: 'after-headers' } });
    const r = await httpGet(`${plane.url}/gitlab/jwks`, { timeoutMs: 400 });
    assert.equal(r.status, 200);
    assert.equal(r.headers?.['content-length'], String(JWKS_BODY.length));
    assert.equal(r.body.length, 0);
    assert.equal(r.error, 'ETIMEDOUT');
    assert.deepEqual((await outcomesAfter(plane, 1))[0], { status: 'hang', faults: ['hang'] });
  });

  it('resets the connection (ECONNRESET)', async () => {
    plan.add({ kind: 'reset' });
    const r = await httpGet(`${plane.url}/gitlab/jwks`);
    assert.equal(r.error, 'ECONNRESET');
    assert.equal(r.status, undefined);
    assert.deepEqual((await outcomesAfter(plane, 1))[0], { status: 'reset', faults: ['reset'] });
  });

  it('truncates the body after N bytes while announcing the full length', async () => {
    plan.add({ kind: 'truncate', attributes: { bytes: 10 } });
    const r = await httpGet(`${plane.url}/gitlab/jwks`);
    assert.equal(r.status, 200);
    assert.equal(r.headers?.['content-length'], String(JWKS_BODY.length));
    assert.equal(r.body.length, 10);
    assert.deepEqual(r.body, JWKS_BODY.subarray(0, 10));
    assert.ok(r.error !== undefined, 'client must see the body end early');
    assert.deepEqual((await outcomesAfter(plane, 1))[0], { status: 'truncated', faults: ['truncate'] });
  });

  it('truncates and resets when end is reset', async () => {
    plan.add({ kind: 'truncate', attributes: { bytes: 5, end: 'reset' } });
    const r = await httpGet(`${plane.url}/gitlab/jwks`);
    assert.ok(r.body.length <= 5);
    assert.ok(r.error !== undefined);
  });

  it('serves JSON that does not parse, with a consistent Content-Length', async () => {
    plan.add({ kind: 'malformed-json' });
    const r = await httpGet(`${plane.url}/gitlab/jwks`);
    assert.equal(r.status, 200);
    assert.equal(r.error, undefined);
    assert.equal(r.headers?.['content-length'], String(r.body.length));
    assert.throws(() => JSON.parse(r.body.toString()) as unknown, SyntaxError);
    plan.clear();
    plan.add({ kind: 'malformed-json', attributes: { mode: 'garbage' } });
    const garbage = (await httpGet(`${plane.url}/gitlab/jwks`)).body.toString();
    assert.match(garbage, /^\{"keys":\[/);
    assert.throws(() => JSON.parse(garbage) as unknown, SyntaxError);
  });

  it('serves the real body with a wrong content type, or an HTML page', async () => {
    const f = plan.add({ kind: 'content-type' });
    const kept = await httpGet(`${plane.url}/gitlab/jwks`);
    assert.equal(kept.headers?.['content-type'], 'text/html; charset=utf-8');
    assert.deepEqual(kept.body, JWKS_BODY);
    plan.remove(f.id);
    plan.add({ kind: 'content-type', attributes: { body: 'html' } });
    const html = await httpGet(`${plane.url}/gitlab/jwks`);
    assert.match(html.body.toString(), /^<!DOCTYPE html>/);
  });

  it('serves an empty key set on the JWKS endpoint only', async () => {
    plan.add({ kind: 'empty-keys' });
    const jwks = await httpGet(`${plane.url}/gitlab/jwks`);
    assert.equal(jwks.status, 200);
    assert.deepEqual(JSON.parse(jwks.body.toString()), { keys: [] });
    const discovery = await httpGet(`${plane.url}/gitlab/.well-known/openid-configuration`);
    assert.deepEqual(JSON.parse(discovery.body.toString()), { issuer: 'gitlab', endpoint: 'discovery' });
  });

  it('drips the body in small pieces with a delay between them', async () => {
    plan.add({ kind: 'drip', attributes: { chunkBytes: 40, interval: '60ms' } });
    const r = await httpGet(`${plane.url}/gitlab/jwks`);
    const chunks = Math.ceil(JWKS_BODY.length / 40);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, JWKS_BODY);
    const minimum = (chunks - 1) * 60;
    assert.ok(
      r.elapsedMs >= minimum - 15 && r.elapsedMs < minimum + 3000,
      `took ${r.elapsedMs}ms for ${chunks} chunks`,
    );
  });

  it('finishes a drip at once when the fault ends mid-way', async () => {
    const f = plan.add({ kind: 'drip', attributes: { chunkBytes: 1, interval: '100ms' } });
    const pending = httpGet(`${plane.url}/gitlab/jwks`);
    await sleep(250);
    plan.remove(f.id);
    const r = await pending;
    assert.deepEqual(r.body, JWKS_BODY);
    assert.ok(r.elapsedMs < 3000, `took ${r.elapsedMs}ms`);
  });

  it('records an aborted delivery when the client leaves during a delay', async () => {
    plan.add({ kind: 'latency', attributes: { ms: '3s' } });
    const r = await httpGet(`${plane.url}/gitlab/jwks`, { timeoutMs: 200 });
    assert.equal(r.error, 'ETIMEDOUT');
    const started = Date.now();
    const [outcome] = await outcomesAfter(plane, 1);
    assert.deepEqual(outcome, { status: 'aborted', faults: ['latency'] });
    assert.ok(Date.now() - started < 2000, 'the delay must stop when the client leaves');
  });
});

async function connectionCount(plane: DataPlane): Promise<number> {
  return new Promise((resolve, reject) =>
    plane.server.getConnections((err, count) => (err ? reject(err) : resolve(count))),
  );
}

describe('fault delivery robustness', () => {
  it('never throws when producing the real body fails: a 500 JSON instead, server still healthy', async () => {
    const plan = createFaultPlan({ random: createRandom(2) });
    const plane = await startDataPlane({ plan, produceFails: true });
    try {
      plan.add({ kind: 'latency', attributes: { ms: 10 } });
      const r = await httpGet(`${plane.url}/gitlab/jwks`);
      assert.equal(r.status, 500);
      assert.deepEqual(JSON.parse(r.body.toString()), { error: 'server_error' });
      plan.clear();
      plan.add({ kind: 'truncate' });
      assert.equal((await httpGet(`${plane.url}/gitlab/jwks`)).status, 500);
      plan.clear();
      plan.add({ kind: 'status', attributes: { status: 502 } });
      assert.equal(
        (await httpGet(`${plane.url}/gitlab/jwks`)).status,
        502,
        'faults that need no body still work',
      );
    } finally {
      plan.clear();
      await plane.close();
    }
  });

  it('stops a drip when the client disconnects mid-body', async () => {
    const plan = createFaultPlan({ random: createRandom(2) });
    const plane = await startDataPlane({ plan });
    try {
      plan.add({ kind: 'drip', attributes: { chunkBytes: 1, interval: '50ms' } });
      const r = await httpGet(`${plane.url}/gitlab/jwks`, { timeoutMs: 300 });
      assert.equal(r.error, 'ETIMEDOUT');
      assert.ok(r.body.length > 0 && r.body.length < JWKS_BODY.length);
      const deadline = Date.now() + 3000;
      while (plane.outcomes.length === 0 && Date.now() < deadline) await sleep(10);
      assert.deepEqual(plane.outcomes[0], { status: 'aborted', faults: ['drip'] });
    } finally {
      plan.clear();
      await plane.close();
    }
  });
});
