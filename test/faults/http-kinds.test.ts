import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ValidationError } from '../../src/errors.ts';
import { applyFault, registerBuiltinFaultKinds, validateFaultSpecs } from '../../src/faults/index.ts';
import type { FaultContext } from '../../src/faults/index.ts';
import { startMockIdp } from '../../mock-idp/index.ts';
import type { MockIdp } from '../../mock-idp/index.ts';
import { rawGet } from './helpers.ts';

registerBuiltinFaultKinds();

describe('HTTP fault kinds delegate to mock-idp and are visible there', () => {
  let idp: MockIdp;
  let ctx: FaultContext;
  let jwksUrl: string;
  let jwksPath: string;
  let dataHost: string;
  const jwks = { target: { issuer: 'gitlab', endpoint: 'jwks' } };

  before(async () => {
    idp = await startMockIdp({ issuers: ['gitlab', 'customersdot'], seed: 3 });
    ctx = { idp: { faults: idp.admin.faults }, httpTtlMs: 60_000 };
    jwksUrl = idp.urlsFor('gitlab').jwksUrl;
    jwksPath = new URL(jwksUrl).pathname;
    dataHost = new URL(idp.dataUrl).host;
  });
  after(async () => {
    await idp.close();
  });
  afterEach(async () => {
    const left = await idp.admin.faults.list();
    if (left.length > 0) await idp.admin.faults.clear();
    assert.deepEqual(
      left.map((f) => f.id),
      [],
      'faults left at the IdP',
    );
  });

  async function assertHealthy(): Promise<void> {
    const res = await fetch(jwksUrl);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { keys: unknown[] };
    assert.ok(body.keys.length > 0);
  }

  it('http-status installs a scoped 503 with the run TTL, and revert removes it', async () => {
    const fault = await applyFault(
      { kind: 'http-status', name: 'outage', ...jwks, attributes: { status: 503 } },
      ctx,
    );
    const [record] = await idp.admin.faults.list();
    assert.equal(record?.kind, 'status');
    assert.equal(record?.name, 'keystorm:outage');
    assert.equal(record?.ttlMs, 60_000);
    assert.deepEqual(record?.scope.issuer, ['gitlab']);
    assert.deepEqual(record?.scope.endpoint, ['jwks']);
    assert.equal(fault.detail.idpFaultId, record?.id);
    assert.equal((await fetch(jwksUrl)).status, 503);
    // Out of scope: the other issuer and gitlab's discovery are untouched.
    assert.equal((await fetch(idp.urlsFor('customersdot').jwksUrl)).status, 200);
    assert.equal((await fetch(idp.urlsFor('gitlab').discoveryUrl)).status, 200);
    await fault.revert();
    await assertHealthy();
  });

  it('http-status 429 carries Retry-After', async () => {
    const fault = await applyFault({ kind: 'http-status', ...jwks, attributes: { status: 429 } }, ctx);
    const res = await fetch(jwksUrl);
    await fault.revert();
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '1');
  });

  it('http-latency delays the answer', async () => {
    const fault = await applyFault({ kind: 'http-latency', ...jwks, attributes: { ms: '300ms' } }, ctx);
    const started = performance.now();
    await (await fetch(jwksUrl)).text();
    const ms = performance.now() - started;
    await fault.revert();
    assert.ok(ms >= 280 && ms < 2000, `took ${ms}ms`);
  });

  it('http-hang never answers until reverted', async () => {
    const fault = await applyFault({ kind: 'http-hang', ...jwks }, ctx);
    const error = await fetch(jwksUrl, { signal: AbortSignal.timeout(500) }).catch((e: unknown) => e);
    await fault.revert();
    assert.ok(error instanceof Error && error.name === 'TimeoutError', String(error));
    await assertHealthy();
  });

  it('http-reset resets the connection', async () => {
    const fault = await applyFault({ kind: 'http-reset', ...jwks }, ctx);
    const result = await rawGet(dataHost, jwksPath);
    await fault.revert();
    assert.equal(result.outcome, 'reset');
  });

  it('http-truncate sends less body than Content-Length announces', async () => {
    const fault = await applyFault({ kind: 'http-truncate', ...jwks, attributes: { bytes: 20 } }, ctx);
    const result = await rawGet(dataHost, jwksPath);
    await fault.revert();
    assert.equal(result.outcome, 'short');
    assert.equal(Buffer.byteLength(result.body), 20);
  });

  it('http-malformed-json answers 200 with a body that does not parse', async () => {
    const fault = await applyFault({ kind: 'http-malformed-json', ...jwks }, ctx);
    const res = await fetch(jwksUrl);
    const text = await res.text();
    await fault.revert();
    assert.equal(res.status, 200);
    assert.throws(() => JSON.parse(text) as unknown, SyntaxError);
  });

  it('http-content-type serves the keys as text/html', async () => {
    const fault = await applyFault({ kind: 'http-content-type', ...jwks }, ctx);
    const res = await fetch(jwksUrl);
    await res.text();
    await fault.revert();
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  });

  it('http-empty-keys serves an empty key set', async () => {
    const fault = await applyFault({ kind: 'http-empty-keys', ...jwks }, ctx);
    const body = (await (await fetch(jwksUrl)).json()) as { keys: unknown[] };
    await fault.revert();
    assert.deepEqual(body.keys, []);
  });

  it('http-drip delivers the whole body slowly', async () => {
    const fault = await applyFault(
      { kind: 'http-drip', ...jwks, attributes: { chunkBytes: 200, interval: '30ms' } },
      ctx,
    );
    const started = performance.now();
    const body = (await (await fetch(jwksUrl)).json()) as { keys: unknown[] };
    const ms = performance.now() - started;
    await fault.revert();
    assert.ok(body.keys.length > 0);
    assert.ok(ms >= 60, `took only ${ms}ms`);
  });

  it('maps probability and firstN onto mock-idp schedule', async () => {
    const fault = await applyFault(
      { kind: 'http-status', ...jwks, probability: 0.25, attributes: { firstN: 1 } },
      ctx,
    );
    const [record] = await idp.admin.faults.list();
    await fault.revert();
    assert.equal(record?.schedule.probability, 0.25);
    assert.equal(record?.schedule.firstN, 1);
  });

  it('faults only the first N requests when firstN is set', async () => {
    const fault = await applyFault({ kind: 'http-status', ...jwks, attributes: { firstN: 1 } }, ctx);
    const first = (await fetch(jwksUrl)).status;
    const second = (await fetch(jwksUrl)).status;
    await fault.revert();
    assert.deepEqual([first, second], [503, 200]);
  });

  it("gives a windowed fault a TTL of the window's length plus grace", async () => {
    const fault = await applyFault(
      { kind: 'http-status', ...jwks, window: { start: '1s', stop: '3s' } },
      ctx,
    );
    const [record] = await idp.admin.faults.list();
    await fault.revert();
    assert.equal(record?.ttlMs, 2000 + 30_000);
  });

  it('treats a fault that already expired at the IdP as reverted', async () => {
    const fault = await applyFault({ kind: 'http-status', ...jwks }, { ...ctx, httpTtlMs: 200 });
    await sleep(500);
    assert.deepEqual(await idp.admin.faults.list(), []);
    await fault.revert();
    assert.equal(fault.reverted, true);
  });

  it('reports every problem of a batch and installs none of it', async () => {
    const error = (() => {
      try {
        validateFaultSpecs(
          [
            { kind: 'http-status', ...jwks },
            { kind: 'http-status', attributes: { status: 200, firstN: 0 }, target: { endpoint: 'keys' } },
            { kind: 'http-latency' },
            { kind: 'teleport' },
          ],
          ctx,
        );
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(
      error.problems.map((p) => p.path),
      [
        'faults[1].attributes.firstN',
        'faults[1].attributes.status',
        'faults[1].target.endpoint',
        'faults[2].attributes.ms',
        'faults[3].kind',
      ],
    );
    assert.deepEqual(await idp.admin.faults.list(), []);
  });

  it('refuses an HTTP kind when the run has no IdP admin API', async () => {
    await assert.rejects(
      applyFault({ kind: 'http-status' }, {}),
      (e: unknown) => e instanceof ValidationError && /no IdP admin API/.test(e.message),
    );
  });
});
