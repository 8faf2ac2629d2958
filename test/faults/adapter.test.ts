import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Toxiproxy } from 'toxiproxy-node-client';
import { ProxyAdapter, ProxyApiError, connectProxyControl } from '../../src/proxy/adapter.ts';
import type { ProxyControl } from '../../src/proxy/adapter.ts';
import { startToxiproxyServer } from '../../src/proxy/server.ts';
import type { ToxiproxyServer } from '../../src/proxy/server.ts';
import { freePort, rawGet, startHttpUpstream, startSilentServer } from './helpers.ts';
import type { Started } from './helpers.ts';

describe('proxy adapter over toxiproxy-node-client', () => {
  let server: ToxiproxyServer;
  let upstream: Started;
  let adapter: ProxyAdapter;

  before(async () => {
    server = await startToxiproxyServer({ host: '127.0.0.1', port: 0, seed: 1 });
    upstream = await startHttpUpstream();
    adapter = new ProxyAdapter(server.url, { timeoutMs: 2000 });
  });
  after(async () => {
    await server.close();
    await upstream.close();
  });

  it('creates a proxy with toxics on a free port and lists them', async () => {
    const proxy = await adapter.createProxy({
      name: 'with-toxics',
      upstream: upstream.address,
      toxics: [
        { type: 'latency', attributes: { latency: 10, jitter: 0 } },
        { type: 'limit_data', name: 'cut', stream: 'upstream', toxicity: 0.5, attributes: { bytes: 100 } },
      ],
    });
    assert.match(proxy.listen, /^127\.0\.0\.1:[1-9]\d*$/);
    assert.equal(proxy.enabled, true);
    const toxics = await adapter.listToxics('with-toxics');
    assert.deepEqual(toxics.map((t) => [t.name, t.type, t.stream, t.toxicity]).sort(), [
      ['cut', 'limit_data', 'upstream', 0.5],
      ['latency_downstream', 'latency', 'downstream', 1],
    ]);
    assert.equal((await rawGet(proxy.listen)).outcome, 'complete');
    assert.equal(await adapter.deleteProxy('with-toxics'), true);
  });

  it('deletes the new proxy again when one of its toxics is rejected (all or nothing)', async () => {
    await assert.rejects(
      adapter.createProxy({
        name: 'half',
        upstream: upstream.address,
        toxics: [
          { type: 'latency', attributes: { latency: 10 } },
          { type: 'no_such_toxic' as 'noop', attributes: {} },
        ],
      }),
      (error: unknown) => error instanceof ProxyApiError && error.status === 400,
    );
    assert.equal(await adapter.findProxy('half'), undefined);
  });

  it('reports the HTTP status, method and URL of a failed call', async () => {
    await adapter.createProxy({ name: 'dup', upstream: upstream.address });
    const conflict = await adapter
      .createProxy({ name: 'dup', upstream: upstream.address })
      .catch((e: unknown) => e);
    assert.ok(conflict instanceof ProxyApiError);
    assert.equal(conflict.code, 'ERR_PROXY_API');
    assert.equal(conflict.status, 409);
    assert.match(conflict.message, new RegExp(`^POST ${server.url}/proxies → 409: `));
    const missing = await adapter.getProxy('nope').catch((e: unknown) => e);
    assert.ok(missing instanceof ProxyApiError);
    assert.equal(missing.status, 404);
    assert.match(missing.message, /GET .*\/proxies\/nope → 404/);
    await adapter.deleteProxy('dup');
  });

  it('treats deleting something already gone as done, not as an error', async () => {
    assert.equal(await adapter.deleteProxy('never-existed'), false);
    await adapter.createProxy({ name: 'tox-gone', upstream: upstream.address });
    assert.equal(await adapter.removeToxic('tox-gone', 'never-added'), false);
    await adapter.deleteProxy('tox-gone');
  });

  it('disables a proxy so connections are refused, and enables it again on the same address', async () => {
    const proxy = await adapter.createProxy({ name: 'flip', upstream: upstream.address });
    const down = await adapter.disable('flip');
    assert.equal(down.enabled, false);
    assert.equal((await rawGet(proxy.listen)).outcome, 'refused');
    const up = await adapter.enable('flip');
    assert.equal(up.enabled, true);
    assert.equal(up.listen, proxy.listen);
    assert.equal((await rawGet(proxy.listen)).status, 200);
    await adapter.deleteProxy('flip');
  });

  it('updates a toxic and sees the change through the raw toxics listing', async () => {
    await adapter.createProxy({ name: 'upd', upstream: upstream.address });
    await adapter.addToxic('upd', {
      type: 'latency',
      name: 'lat',
      toxicity: 0.25,
      attributes: { latency: 5 },
    });
    const updated = await adapter.updateToxic('upd', 'lat', { attributes: { latency: 50 } });
    assert.equal(updated.attributes.latency, 50);
    assert.equal(updated.toxicity, 0.25);
    const [listed] = await adapter.listToxics('upd');
    assert.equal(listed?.attributes.latency, 50);
    await adapter.deleteProxy('upd');
  });

  it('gives up on a server that never answers after the per-call deadline', async () => {
    const silent = await startSilentServer();
    try {
      const slowAdapter = new ProxyAdapter(`http://${silent.address}`, { timeoutMs: 300 });
      const started = performance.now();
      const error = await slowAdapter.listProxies().catch((e: unknown) => e);
      const elapsed = performance.now() - started;
      assert.ok(error instanceof ProxyApiError, String(error));
      assert.equal(error.timedOut, true);
      assert.equal(error.status, undefined);
      assert.match(error.message, /GET http:\/\/127\.0\.0\.1:\d+\/proxies: no answer within 300ms/);
      assert.ok(elapsed >= 250 && elapsed < 3000, `gave up after ${elapsed}ms`);
      // withTimeout() makes a sibling with another deadline on the same server.
      const quicker = slowAdapter.withTimeout(100);
      assert.equal(quicker.timeoutMs, 100);
      assert.equal(quicker.url, slowAdapter.url);
    } finally {
      await silent.close();
    }
  });

  it('names the URL when nothing listens there', async () => {
    const port = await freePort();
    const dead = new ProxyAdapter(`http://127.0.0.1:${port}`, { timeoutMs: 1000 });
    const error = await dead.version().catch((e: unknown) => e);
    assert.ok(error instanceof ProxyApiError);
    assert.equal(error.status, undefined);
    assert.match(error.message, new RegExp(`^GET http://127\\.0\\.0\\.1:${port}/version: .*ECONNREFUSED`));
  });

  it('sees proxies made with the plain client, so both drive the same server', async () => {
    const client = new Toxiproxy(server.url);
    await client.createProxy({ name: 'from-client', listen: '127.0.0.1:0', upstream: upstream.address });
    const names = (await adapter.listProxies()).map((p) => p.name);
    assert.ok(names.includes('from-client'));
    assert.match(await adapter.version(), /\d/);
    await adapter.deleteProxy('from-client');
  });
});

describe('connectProxyControl', () => {
  const controls: ProxyControl[] = [];
  after(async () => {
    for (const control of controls) await control.close();
  });

  it('starts an embedded server when TOXIPROXY_URL is not set, and stops it on close', async () => {
    const control = await connectProxyControl({ env: {} });
    controls.push(control);
    assert.equal(control.embedded, true);
    assert.match(control.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    await control.adapter.version();
    await control.close();
    await assert.rejects(control.adapter.version(), ProxyApiError);
  });

  it('drives the server named by TOXIPROXY_URL and leaves it running on close', async () => {
    const external = await startToxiproxyServer({ host: '127.0.0.1', port: 0 });
    try {
      const control = await connectProxyControl({ env: { TOXIPROXY_URL: `${external.url}/` } });
      assert.equal(control.embedded, false);
      assert.equal(control.url, external.url);
      await control.close();
      await control.adapter.version();
    } finally {
      await external.close();
    }
  });

  it('fails at connect time, naming the URL, when TOXIPROXY_URL does not answer', async () => {
    const port = await freePort();
    await assert.rejects(
      connectProxyControl({ env: { TOXIPROXY_URL: `http://127.0.0.1:${port}` }, timeoutMs: 1000 }),
      new RegExp(`GET http://127\\.0\\.0\\.1:${port}/version`),
    );
    await assert.rejects(
      connectProxyControl({ env: { TOXIPROXY_URL: 'not a url' } }),
      /TOXIPROXY_URL: "not a url"/,
    );
  });
});
