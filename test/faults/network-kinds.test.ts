import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { z } from 'zod';
import { HarnessError, ValidationError } from '../../src/errors.ts';
import { applyFault, registerBuiltinFaultKinds, registerFaultKind } from '../../src/faults/index.ts';
import type { FaultContext, RunProxy } from '../../src/faults/index.ts';
import { ProxyAdapter } from '../../src/proxy/adapter.ts';
import { startToxiproxyServer } from '../../src/proxy/server.ts';
import type { ToxiproxyServer } from '../../src/proxy/server.ts';
import { startMockIdp } from '../../mock-idp/index.ts';
import type { MockIdp } from '../../mock-idp/index.ts';
import { median, rawGet, startHttpUpstream } from './helpers.ts';
import type { Started } from './helpers.ts';

registerBuiltinFaultKinds();

describe('network fault kinds on real traffic through the embedded Toxiproxy', () => {
  let server: ToxiproxyServer;
  let adapter: ProxyAdapter;
  let small: Started;
  let large: Started;
  let idp: MockIdp;
  const proxies = new Map<string, RunProxy>();
  let ctx: FaultContext;

  async function addProxy(alias: string, upstream: string): Promise<RunProxy> {
    const state = await adapter.createProxy({ name: `t-${alias}`, upstream });
    const proxy = { alias, name: state.name, listen: state.listen, upstream };
    proxies.set(alias, proxy);
    return proxy;
  }
  const listen = (alias: string): string => proxies.get(alias)?.listen ?? 'missing';

  before(async () => {
    server = await startToxiproxyServer({ host: '127.0.0.1', port: 0, seed: 7 });
    adapter = new ProxyAdapter(server.url);
    small = await startHttpUpstream();
    large = await startHttpUpstream(JSON.stringify({ filler: 'x'.repeat(5000) }));
    idp = await startMockIdp({ issuers: ['gitlab'] });
    await addProxy('small', small.address);
    await addProxy('large', large.address);
    await addProxy('idp', new URL(idp.dataUrl).host);
    ctx = { network: { adapter, proxies } };
  });
  after(async () => {
    await server.close();
    await small.close();
    await large.close();
    await idp.close();
  });
  afterEach(async () => {
    // Every test must leave its proxies clean. Collect what is left, clean it so one failure
    // does not cascade into the next tests, then fail this one.
    const leftovers: string[] = [];
    for (const proxy of proxies.values()) {
      const state = await adapter.getProxy(proxy.name);
      if (state.toxics.length > 0)
        leftovers.push(`${proxy.name}: ${state.toxics.map((t) => t.name).join(', ')}`);
      if (!state.enabled) leftovers.push(`${proxy.name}: disabled`);
    }
    if (leftovers.length > 0) await adapter.reset();
    assert.deepEqual(leftovers, []);
  });

  /** Durations of n sequential requests, after one warm-up request that is not counted. */
  async function timings(address: string, n: number): Promise<number[]> {
    await rawGet(address);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const result = await rawGet(address);
      assert.equal(result.status, 200);
      out.push(result.ms);
    }
    return out;
  }

  it('latency adds the configured delay to every response, and revert takes it away', async () => {
    const baseline = await timings(listen('small'), 5);
    const fault = await applyFault(
      { kind: 'latency', target: 'small', attributes: { latency: '200ms' } },
      ctx,
    );
    assert.equal(fault.family, 'network');
    assert.deepEqual(fault.detail.toxics, ['keystorm_latency']);
    const slowed = await timings(listen('small'), 5);
    // A response cannot arrive sooner than the latency; the upper bound only has to survive a
    // loaded machine (the embedded proxy's precision is measured in bench/, not here).
    assert.ok(Math.min(...slowed) >= 198, `a response took only ${Math.min(...slowed)}ms`);
    assert.ok(median(slowed) < median(baseline) + 900, `median ${median(slowed)}ms`);
    await fault.revert();
    assert.equal(fault.reverted, true);
    const after = await timings(listen('small'), 5);
    assert.ok(Math.min(...after) < 150, `every request still slow after revert: ${after.join(', ')}`);
  });

  it('jitter spreads delays instead of adding a constant', async () => {
    const fault = await applyFault({ kind: 'jitter', target: 'small', attributes: { jitter: '120ms' } }, ctx);
    const samples = await timings(listen('small'), 12);
    await fault.revert();
    const spread = Math.max(...samples) - Math.min(...samples);
    assert.ok(spread >= 40, `spread only ${spread}ms: ${samples.map(Math.round).join(', ')}`);
    assert.ok(
      Math.max(...samples) < 240 + 1500,
      `a delay far beyond latency+jitter: ${Math.max(...samples)}ms`,
    );
  });

  it('bandwidth throttles a 5 KB body to about the configured rate', async () => {
    const baseline = median(await timings(listen('large'), 3));
    const fault = await applyFault({ kind: 'bandwidth', target: 'large', attributes: { rate: 5 } }, ctx);
    const [throttled = 0] = await timings(listen('large'), 1);
    await fault.revert();
    // 5 KB at 5 KB/s ≈ 1 s; the first chunk may pass early, so allow a wide band.
    assert.ok(throttled >= 600 && throttled < 4000, `took ${throttled}ms (baseline ${baseline}ms)`);
  });

  it('black-hole swallows the response and holds the connection until reverted', async () => {
    const fault = await applyFault({ kind: 'black-hole', target: 'small' }, ctx);
    const held = await rawGet(listen('small'), '/', 700);
    assert.equal(held.outcome, 'hung');
    assert.equal(held.body, '');
    await fault.revert();
    assert.equal((await rawGet(listen('small'))).status, 200);
  });

  it('black-hole with a timeout closes the connection after it, without data', async () => {
    const fault = await applyFault(
      { kind: 'black-hole', target: 'small', attributes: { timeout: '300ms' } },
      ctx,
    );
    const result = await rawGet(listen('small'), '/', 3000);
    await fault.revert();
    assert.notEqual(result.outcome, 'hung');
    assert.equal(result.status, undefined);
    assert.ok(result.ms >= 250, `closed after ${result.ms}ms`);
  });

  it('reset makes the client see ECONNRESET', async () => {
    const fault = await applyFault({ kind: 'reset', target: 'small' }, ctx);
    const result = await rawGet(listen('small'));
    await fault.revert();
    assert.equal(result.outcome, 'reset');
    assert.equal(result.errorCode, 'ECONNRESET');
    assert.equal((await rawGet(listen('small'))).status, 200);
  });

  it('truncate cuts a JWKS body short so it no longer parses', async () => {
    const jwksPath = new URL(idp.issuers[0]?.jwksUrl ?? '').pathname;
    const full = await rawGet(listen('idp'), jwksPath);
    assert.equal(full.outcome, 'complete');
    const keys = (JSON.parse(full.body) as { keys: unknown[] }).keys;
    assert.ok(keys.length > 0);
    // limit_data counts every byte on the wire: keep the head and half of the body.
    const limit = full.headBytes + Math.floor(Buffer.byteLength(full.body) / 2);
    const fault = await applyFault({ kind: 'truncate', target: 'idp', attributes: { bytes: limit } }, ctx);
    const cut = await rawGet(listen('idp'), jwksPath);
    await fault.revert();
    assert.equal(cut.status, 200);
    assert.equal(cut.outcome, 'short');
    assert.ok(Buffer.byteLength(cut.body) < (cut.contentLength ?? 0));
    assert.throws(() => JSON.parse(cut.body) as unknown, SyntaxError);
  });

  it('slow-trickle delivers the whole body, slowly, in small pieces', async () => {
    const baseline = median(await timings(listen('small'), 3));
    const fault = await applyFault(
      { kind: 'slow-trickle', target: 'small', attributes: { averageSize: 8, delay: '20ms' } },
      ctx,
    );
    const result = await rawGet(listen('small'), '/', 8000);
    await fault.revert();
    assert.equal(result.outcome, 'complete');
    assert.deepEqual(JSON.parse(result.body), { ok: true });
    // ~150 response bytes / 8 ≈ 19 slices × 20 ms.
    assert.ok(result.ms >= 250, `took ${result.ms}ms (baseline ${baseline}ms)`);
  });

  it('down refuses connections and revert brings the proxy back on the same address', async () => {
    const fault = await applyFault({ kind: 'down', target: 'small' }, ctx);
    assert.equal((await rawGet(listen('small'))).outcome, 'refused');
    await fault.revert();
    assert.equal((await rawGet(listen('small'))).status, 200);
  });

  it('down leaves a proxy that was already disabled disabled on revert', async () => {
    const name = proxies.get('small')?.name ?? '';
    await adapter.disable(name);
    const fault = await applyFault({ kind: 'down', target: 'small' }, ctx);
    assert.equal(fault.detail.wasEnabled, false);
    await fault.revert();
    assert.equal((await adapter.getProxy(name)).enabled, false);
    await adapter.enable(name);
  });

  it('maps probability to toxicity, so probability 0 affects no connection', async () => {
    const fault = await applyFault(
      { kind: 'latency', target: 'small', probability: 0, attributes: { latency: 400 } },
      ctx,
    );
    const [toxic] = await adapter.listToxics(proxies.get('small')?.name ?? '');
    assert.equal(toxic?.toxicity, 0);
    // Any connection the toxic acted on would take at least 400 ms.
    assert.ok(Math.max(...(await timings(listen('small'), 3))) < 390);
    await fault.revert();
  });

  it('applies to the upstream direction when asked', async () => {
    const fault = await applyFault(
      {
        kind: 'latency',
        name: 'req-delay',
        target: 'small',
        attributes: { latency: 150, stream: 'upstream' },
      },
      ctx,
    );
    const [toxic] = await adapter.listToxics(proxies.get('small')?.name ?? '');
    assert.equal(toxic?.stream, 'upstream');
    assert.equal(toxic?.name, 'keystorm_req-delay');
    const [ms = 0] = await timings(listen('small'), 1);
    assert.ok(ms >= 130, `request delayed only ${ms}ms`);
    await fault.revert();
  });

  it('reverting twice, or after the toxic vanished, is not an error', async () => {
    const fault = await applyFault({ kind: 'latency', target: 'small', attributes: { latency: 10 } }, ctx);
    await adapter.removeToxic(proxies.get('small')?.name ?? '', 'keystorm_latency');
    await fault.revert();
    await fault.revert();
  });

  it('rejects a spec with several problems without touching the proxy', async () => {
    const error = await applyFault(
      { kind: 'latency', target: 'nowhere', probability: 2, attributes: { latency: 'soon', extra: 1 } },
      ctx,
    ).catch((e: unknown) => e);
    assert.ok(error instanceof ValidationError);
    assert.equal(error.exitCode, 2);
    assert.deepEqual(error.problems.map((p) => p.path).sort(), [
      'attributes.extra',
      'attributes.latency',
      'probability',
      'target',
    ]);
    assert.match(error.message, /unknown proxy "nowhere"; the run's proxies are: small, large, idp/);
  });

  it('needs a target when the run has several proxies', async () => {
    await assert.rejects(
      applyFault({ kind: 'down' }, ctx),
      (e: unknown) => e instanceof ValidationError && e.problems[0]?.path === 'target',
    );
  });

  it('undoes the steps already taken when a later step of an apply fails', async () => {
    registerFaultKind({
      kind: 'test-two-steps',
      family: 'network',
      summary: 'adds a toxic, then fails',
      attributes: z.strictObject({}),
      probabilityApplies: true,
      async apply(_fault, c, steps) {
        const name = proxies.get('small')?.name ?? '';
        await c.network?.adapter.addToxic(name, {
          type: 'latency',
          name: 'first-step',
          attributes: { latency: 1 },
        });
        steps.done('remove first-step', () => adapter.removeToxic(name, 'first-step'));
        await c.network?.adapter.addToxic('no-such-proxy', { type: 'latency', attributes: { latency: 1 } });
        return {};
      },
    });
    const error = await applyFault({ kind: 'test-two-steps', target: 'small' }, ctx).catch((e: unknown) => e);
    assert.ok(error instanceof HarnessError);
    assert.equal(error.code, 'ERR_FAULT_APPLY');
    assert.match(error.message, /nothing left applied/);
    // afterEach checks that no toxic is left on the proxy.
  });
});
