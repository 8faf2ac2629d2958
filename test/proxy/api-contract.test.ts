/**
 * Contract of the embedded server's HTTP API against Toxiproxy 2.12: every route, status and
 * error shape, through raw HTTP and through toxiproxy-node-client (the client keepers use).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Toxiproxy } from 'toxiproxy-node-client';
import { startToxiproxyServer, type ToxiproxyServer } from '../../src/proxy/server.ts';
import { api, connectTo, EchoClient, hostPort, startEchoServer, within, type Closable } from './helpers.ts';

let server: ToxiproxyServer;
let echo: Closable;
let upstream: string;
let counter = 0;
const uniqueName = (prefix: string): string => `${prefix}_${++counter}`;

before(async () => {
  server = await startToxiproxyServer({ port: 0, seed: 1 });
  echo = await startEchoServer();
  upstream = `127.0.0.1:${echo.port}`;
});

after(async () => {
  await server.close();
  await echo.close();
});

/** Creates a proxy to the echo server through the raw API and returns its JSON. */
async function createProxy(
  name: string,
  extra: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const reply = await api(server.url, 'POST', '/proxies', {
    name,
    upstream,
    listen: '127.0.0.1:0',
    ...extra,
  });
  assert.equal(reply.status, 201, reply.text);
  return reply.json as Record<string, unknown>;
}

async function refused(listen: string): Promise<boolean> {
  try {
    const socket = await connectTo(listen);
    socket.destroy();
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ECONNREFUSED';
  }
}

describe('proxies', () => {
  it('creates a proxy with 201 and reports the real bound listen address', async () => {
    const proxy = await createProxy(uniqueName('create'));
    assert.equal(proxy.upstream, upstream);
    assert.equal(proxy.enabled, true);
    assert.deepEqual(proxy.toxics, []);
    const { host, port } = hostPort(String(proxy.listen));
    assert.equal(host, '127.0.0.1');
    assert.ok(port > 0, `bound port in ${String(proxy.listen)}`);
    const client = await EchoClient.open(String(proxy.listen));
    await within(client.roundTrip('hello'), 2000, 'echo through the new proxy');
    assert.equal(client.all.toString(), 'hello');
    client.close();
  });

  it('defaults listen to 127.0.0.1 on a free port when it is absent', async () => {
    const reply = await api(server.url, 'POST', '/proxies', { name: uniqueName('nolisten'), upstream });
    assert.equal(reply.status, 201);
    const listen = String((reply.json as { listen: string }).listen);
    assert.match(listen, /^127\.0\.0\.1:\d+$/);
    assert.notEqual(hostPort(listen).port, 0);
  });

  it('creates a disabled proxy without listening when enabled is false', async () => {
    const proxy = await createProxy(uniqueName('disabled'), { enabled: false });
    assert.equal(proxy.enabled, false);
    assert.equal(proxy.listen, '127.0.0.1:0');
  });

  it('answers 409 with Toxiproxy error JSON when the name exists', async () => {
    const name = uniqueName('dup');
    await createProxy(name);
    const reply = await api(server.url, 'POST', '/proxies', { name, upstream });
    assert.equal(reply.status, 409);
    assert.deepEqual(reply.json, { error: 'proxy already exists', status: 409 });
  });

  it('answers 400 naming the missing field for a proxy without name or upstream', async () => {
    const noName = await api(server.url, 'POST', '/proxies', { upstream });
    assert.equal(noName.status, 400);
    assert.deepEqual(noName.json, { error: 'missing required field: name', status: 400 });
    const noUpstream = await api(server.url, 'POST', '/proxies', { name: uniqueName('noup') });
    assert.equal(noUpstream.status, 400);
    assert.deepEqual(noUpstream.json, { error: 'missing required field: upstream', status: 400 });
  });

  it('answers 400 for malformed JSON, wrong types and bad addresses, and stays healthy', async () => {
    const cases: unknown[] = [
      '{"name": ',
      '[1,2]',
      '"text"',
      { name: 42, upstream },
      { name: uniqueName('t'), upstream: 'no-port' },
      { name: uniqueName('t'), upstream, listen: 'nonsense' },
      { name: uniqueName('t'), upstream, enabled: 'yes' },
    ];
    for (const body of cases) {
      const reply = await api(server.url, 'POST', '/proxies', body);
      assert.equal(reply.status, 400, `${JSON.stringify(body)} → ${reply.text}`);
      const error = reply.json as { error: string; status: number };
      assert.equal(error.status, 400);
      assert.match(error.error, /^(bad request body|missing required field)/);
    }
    assert.equal((await api(server.url, 'GET', '/version')).status, 200);
  });

  it('answers 500 when the listen address cannot be bound', async () => {
    const reply = await api(server.url, 'POST', '/proxies', {
      name: uniqueName('busy'),
      upstream,
      listen: `127.0.0.1:${server.port}`,
    });
    assert.equal(reply.status, 500);
    assert.match((reply.json as { error: string }).error, /EADDRINUSE/);
  });

  it('lists proxies keyed by name and shows one; unknown names are 404', async () => {
    const name = uniqueName('list');
    await createProxy(name);
    const all = await api(server.url, 'GET', '/proxies');
    assert.equal(all.status, 200);
    const listed = (all.json as Record<string, { name: string }>)[name];
    assert.equal(listed?.name, name);
    const one = await api(server.url, 'GET', `/proxies/${name}`);
    assert.equal(one.status, 200);
    assert.deepEqual(Object.keys(one.json as object), ['name', 'listen', 'upstream', 'enabled', 'toxics']);
    const missing = await api(server.url, 'GET', '/proxies/nope');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json, { error: 'proxy not found', status: 404 });
  });

  it('PATCH enabled:false refuses and drops connections; POST enabled:true serves again on the same port', async () => {
    const proxy = await createProxy(uniqueName('toggle'));
    const listen = String(proxy.listen);
    const live = await EchoClient.open(listen);
    await live.roundTrip('x');
    const disabled = await api(server.url, 'PATCH', `/proxies/${String(proxy.name)}`, { enabled: false });
    assert.equal(disabled.status, 200);
    const json = disabled.json as { enabled: boolean; listen: string; upstream: string };
    assert.equal(json.enabled, false);
    assert.equal(json.listen, listen, 'absent fields keep their values');
    assert.equal(json.upstream, upstream);
    await within(
      new Promise<void>((resolve) => (live.closed ? resolve() : live.socket.once('close', () => resolve()))),
      2000,
      'live connection closed',
    );
    assert.equal(await refused(listen), true, 'new connections refused');
    const enabled = await api(server.url, 'POST', `/proxies/${String(proxy.name)}`, { enabled: true });
    assert.equal(enabled.status, 200);
    assert.equal((enabled.json as { listen: string }).listen, listen);
    const again = await EchoClient.open(listen);
    await within(again.roundTrip('back'), 2000, 'echo after re-enabling');
    again.close();
  });

  it('rebinds when listen changes and forwards to a changed upstream', async () => {
    const proxy = await createProxy(uniqueName('move'));
    const oldListen = String(proxy.listen);
    const otherEcho = await startEchoServer();
    try {
      const moved = await api(server.url, 'PATCH', `/proxies/${String(proxy.name)}`, {
        listen: '127.0.0.1:0',
        upstream: `127.0.0.1:${otherEcho.port}`,
      });
      assert.equal(moved.status, 200);
      const newListen = (moved.json as { listen: string }).listen;
      assert.notEqual(newListen, oldListen);
      assert.equal(await refused(oldListen), true);
      const client = await EchoClient.open(newListen);
      await within(client.roundTrip('moved'), 2000, 'echo through the moved proxy');
      client.close();
      assert.equal(otherEcho.connections(), 1, 'the new upstream got the connection');
    } finally {
      await otherEcho.close();
    }
  });

  it('answers 400 to an update with a bad upstream and keeps the proxy as it was', async () => {
    const proxy = await createProxy(uniqueName('badupdate'));
    const reply = await api(server.url, 'PATCH', `/proxies/${String(proxy.name)}`, { upstream: 'nope' });
    assert.equal(reply.status, 400);
    const shown = await api(server.url, 'GET', `/proxies/${String(proxy.name)}`);
    assert.equal((shown.json as { upstream: string }).upstream, upstream);
    assert.equal((await api(server.url, 'PATCH', '/proxies/ghost', { enabled: false })).status, 404);
  });

  it('deletes with 204, closes the listener, and answers 404 afterwards', async () => {
    const proxy = await createProxy(uniqueName('delete'));
    const reply = await api(server.url, 'DELETE', `/proxies/${String(proxy.name)}`);
    assert.equal(reply.status, 204);
    assert.equal(reply.text, '');
    assert.equal(await refused(String(proxy.listen)), true);
    assert.equal((await api(server.url, 'GET', `/proxies/${String(proxy.name)}`)).status, 404);
    assert.equal((await api(server.url, 'DELETE', `/proxies/${String(proxy.name)}`)).status, 404);
  });
});

describe('populate', () => {
  it('creates every proxy with 201 and {"proxies":[…]}, and is idempotent for identical proxies', async () => {
    const names = [uniqueName('pop'), uniqueName('pop')];
    const body = names.map((name) => ({ name, upstream, listen: '127.0.0.1:0' }));
    const first = await api(server.url, 'POST', '/populate', body);
    assert.equal(first.status, 201, first.text);
    const created = (first.json as { proxies: { name: string; listen: string }[] }).proxies;
    assert.deepEqual(
      created.map((p) => p.name),
      names,
    );
    const second = await api(server.url, 'POST', '/populate', body);
    assert.equal(second.status, 201);
    const again = (second.json as { proxies: { listen: string }[] }).proxies;
    assert.deepEqual(
      again.map((p) => p.listen),
      created.map((p) => p.listen),
      'identical proxies are kept, not rebound',
    );
  });

  it('validates every entry before creating any', async () => {
    const good = uniqueName('popgood');
    const reply = await api(server.url, 'POST', '/populate', [
      { name: good, upstream },
      { name: uniqueName('popbad') },
    ]);
    assert.equal(reply.status, 400);
    assert.match((reply.json as { error: string }).error, /upstream at proxy 2/);
    assert.equal((await api(server.url, 'GET', `/proxies/${good}`)).status, 404, 'nothing was created');
    const dup = await api(server.url, 'POST', '/populate', [
      { name: 'same', upstream },
      { name: 'same', upstream },
    ]);
    assert.equal(dup.status, 400);
    assert.equal((await api(server.url, 'POST', '/populate', { name: 'x', upstream })).status, 400);
  });

  it('binds nothing when one listen address of the batch is in use', async () => {
    const first = uniqueName('popbind');
    const reply = await api(server.url, 'POST', '/populate', [
      { name: first, upstream, listen: '127.0.0.1:0' },
      { name: uniqueName('popbind'), upstream, listen: `127.0.0.1:${server.port}` },
    ]);
    assert.equal(reply.status, 500);
    assert.equal((await api(server.url, 'GET', `/proxies/${first}`)).status, 404);
  });

  it('replaces a proxy whose upstream changed', async () => {
    const name = uniqueName('popreplace');
    await createProxy(name);
    const reply = await api(server.url, 'POST', '/populate', [{ name, upstream: '127.0.0.1:9' }]);
    assert.equal(reply.status, 201);
    assert.equal((reply.json as { proxies: { upstream: string }[] }).proxies[0]?.upstream, '127.0.0.1:9');
  });
});

describe('toxics', () => {
  it('creates a toxic with 200 and Toxiproxy defaults (name <type>_<stream>, downstream, toxicity 1)', async () => {
    const proxy = await createProxy(uniqueName('tox'));
    const reply = await api(server.url, 'POST', `/proxies/${String(proxy.name)}/toxics`, {
      type: 'latency',
      attributes: { latency: 50 },
    });
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.json, {
      attributes: { latency: 50, jitter: 0 },
      name: 'latency_downstream',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
    });
    const upstreamToxic = await api(server.url, 'POST', `/proxies/${String(proxy.name)}/toxics`, {
      type: 'latency',
      stream: 'upstream',
      toxicity: 0.5,
    });
    assert.equal((upstreamToxic.json as { name: string }).name, 'latency_upstream');
    const list = await api(server.url, 'GET', `/proxies/${String(proxy.name)}/toxics`);
    assert.equal(list.status, 200);
    assert.deepEqual(
      (list.json as { name: string }[]).map((t) => t.name),
      ['latency_upstream', 'latency_downstream'],
    );
    const shown = await api(server.url, 'GET', `/proxies/${String(proxy.name)}`);
    assert.equal((shown.json as { toxics: unknown[] }).toxics.length, 2);
  });

  it('accepts every released toxic type with its attributes', async () => {
    const proxy = await createProxy(uniqueName('types'));
    const types: [string, Record<string, number>][] = [
      ['latency', { latency: 1, jitter: 1 }],
      ['bandwidth', { rate: 100 }],
      ['slow_close', { delay: 10 }],
      ['timeout', { timeout: 0 }],
      ['reset_peer', { timeout: 10 }],
      ['slicer', { average_size: 8, size_variation: 2, delay: 10 }],
      ['limit_data', { bytes: 100 }],
      ['noop', {}],
    ];
    for (const [type, attributes] of types) {
      const reply = await api(server.url, 'POST', `/proxies/${String(proxy.name)}/toxics`, {
        type,
        attributes,
        toxicity: 0,
      });
      assert.equal(reply.status, 200, `${type}: ${reply.text}`);
      assert.deepEqual((reply.json as { attributes: unknown }).attributes, attributes);
    }
  });

  it('keeps names unique across streams (409) and rejects bad type, stream, toxicity and attributes (400)', async () => {
    const proxy = await createProxy(uniqueName('toxbad'));
    const path = `/proxies/${String(proxy.name)}/toxics`;
    assert.equal((await api(server.url, 'POST', path, { type: 'latency', name: 'shared' })).status, 200);
    const dup = await api(server.url, 'POST', path, { type: 'timeout', name: 'shared', stream: 'upstream' });
    assert.equal(dup.status, 409);
    assert.deepEqual(dup.json, { error: 'toxic already exists', status: 409 });
    const badType = await api(server.url, 'POST', path, { type: 'corrupt_everything' });
    assert.deepEqual(badType.json, { error: 'invalid toxic type', status: 400 });
    const badStream = await api(server.url, 'POST', path, { type: 'latency', stream: 'sideways' });
    assert.deepEqual(badStream.json, {
      error: 'stream was invalid, can be either upstream or downstream',
      status: 400,
    });
    for (const body of [
      { type: 'latency', name: 'a', attributes: { latency: 'slow' } },
      { type: 'latency', name: 'b', attributes: { latency: -5 } },
      { type: 'latency', name: 'c', toxicity: 2 },
      { type: 'latency', name: 'd', attributes: [1] },
      { type: 'slicer', name: 'e', attributes: { average_size: 0 } },
      '{not json',
    ]) {
      const reply = await api(server.url, 'POST', path, body);
      assert.equal(reply.status, 400, `${JSON.stringify(body)} → ${reply.text}`);
    }
    const missing = await api(server.url, 'POST', '/proxies/ghost/toxics', { type: 'latency' });
    assert.deepEqual(missing.json, { error: 'proxy not found', status: 404 });
  });

  it('merges attribute keys on update, keeps toxicity when absent, and never changes name, type or stream', async () => {
    const proxy = await createProxy(uniqueName('toxupd'));
    const path = `/proxies/${String(proxy.name)}/toxics`;
    await api(server.url, 'POST', path, {
      type: 'latency',
      toxicity: 0.4,
      attributes: { latency: 100, jitter: 5 },
    });
    const patched = await api(server.url, 'PATCH', `${path}/latency_downstream`, {
      attributes: { jitter: 20 },
      name: 'renamed',
      type: 'timeout',
      stream: 'upstream',
    });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual(patched.json, {
      attributes: { latency: 100, jitter: 20 },
      name: 'latency_downstream',
      type: 'latency',
      stream: 'downstream',
      toxicity: 0.4,
    });
    const posted = await api(server.url, 'POST', `${path}/latency_downstream`, { toxicity: 1 });
    assert.equal((posted.json as { toxicity: number }).toxicity, 1);
    assert.deepEqual((posted.json as { attributes: unknown }).attributes, { latency: 100, jitter: 20 });
    const bad = await api(server.url, 'PATCH', `${path}/latency_downstream`, {
      attributes: { latency: 'x' },
    });
    assert.equal(bad.status, 400);
    const unchanged = await api(server.url, 'GET', `${path}/latency_downstream`);
    assert.deepEqual((unchanged.json as { attributes: unknown }).attributes, { latency: 100, jitter: 20 });
    const ghost = await api(server.url, 'PATCH', `${path}/ghost`, { toxicity: 1 });
    assert.deepEqual(ghost.json, { error: 'toxic not found', status: 404 });
  });

  it('deletes a toxic with 204 and answers 404 for it afterwards', async () => {
    const proxy = await createProxy(uniqueName('toxdel'));
    const path = `/proxies/${String(proxy.name)}/toxics`;
    await api(server.url, 'POST', path, { type: 'noop' });
    const deleted = await api(server.url, 'DELETE', `${path}/noop_downstream`);
    assert.equal(deleted.status, 204);
    assert.equal((await api(server.url, 'GET', `${path}/noop_downstream`)).status, 404);
    assert.equal((await api(server.url, 'DELETE', `${path}/noop_downstream`)).status, 404);
    assert.deepEqual((await api(server.url, 'GET', path)).json, []);
  });
});

describe('reset, version, metrics and cross-cutting behaviour', () => {
  it('POST /reset answers 204, removes every toxic and re-enables proxies without deleting them', async () => {
    const a = await createProxy(uniqueName('reset'));
    const b = await createProxy(uniqueName('reset'));
    await api(server.url, 'POST', `/proxies/${String(a.name)}/toxics`, { type: 'latency' });
    await api(server.url, 'PATCH', `/proxies/${String(b.name)}`, { enabled: false });
    const reply = await api(server.url, 'POST', '/reset');
    assert.equal(reply.status, 204);
    const shownA = (await api(server.url, 'GET', `/proxies/${String(a.name)}`)).json as { toxics: unknown[] };
    assert.deepEqual(shownA.toxics, []);
    const shownB = (await api(server.url, 'GET', `/proxies/${String(b.name)}`)).json as {
      enabled: boolean;
      listen: string;
    };
    assert.equal(shownB.enabled, true);
    const client = await EchoClient.open(shownB.listen);
    await within(client.roundTrip('after reset'), 2000, 'echo after reset');
    client.close();
  });

  it('GET /version answers {"version": …}', async () => {
    const reply = await api(server.url, 'GET', '/version');
    assert.equal(reply.status, 200);
    assert.match((reply.json as { version: string }).version, /^2\.12\./);
  });

  it('GET /metrics counts received and sent bytes per proxy and direction', async () => {
    const proxy = await createProxy(uniqueName('metrics'));
    const client = await EchoClient.open(String(proxy.listen));
    await client.roundTrip('0123456789');
    await client.roundTrip('abcdefghij');
    const reply = await api(server.url, 'GET', '/metrics');
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get('content-type') ?? '', /^text\/plain/);
    for (const metric of ['received', 'sent']) {
      for (const direction of ['upstream', 'downstream']) {
        const line = new RegExp(
          `^toxiproxy_proxy_${metric}_bytes_total\\{direction="${direction}",[^}]*proxy="${String(proxy.name)}"[^}]*\\} (\\d+)$`,
          'm',
        ).exec(reply.text);
        assert.equal(line?.[1], '20', `${metric} ${direction} in:\n${reply.text}`);
      }
    }
    client.close();
  });

  it('refuses browsers with 403', async () => {
    const reply = await api(server.url, 'GET', '/proxies', undefined, {
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)',
    });
    assert.equal(reply.status, 403);
    assert.equal((reply.json as { status: number }).status, 403);
  });

  it('puts a distinct X-Toxiproxy-Request-Id on every response, errors and 204s included', async () => {
    const replies = [
      await api(server.url, 'GET', '/version'),
      await api(server.url, 'GET', '/proxies/none'),
      await api(server.url, 'POST', '/reset'),
      await api(server.url, 'GET', '/nowhere'),
    ];
    const ids = replies.map((r) => r.headers.get('x-toxiproxy-request-id'));
    for (const id of ids) assert.match(id ?? '', /^[0-9a-f]{20}$/);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('answers unknown routes with 404 JSON and wrong methods with 405 JSON', async () => {
    const unknown = await api(server.url, 'GET', '/nowhere');
    assert.equal(unknown.status, 404);
    assert.equal((unknown.json as { status: number }).status, 404);
    const method = await api(server.url, 'PUT', '/proxies');
    assert.equal(method.status, 405);
    assert.equal((method.json as { status: number }).status, 405);
  });

  it('refuses an oversized body with 413 and keeps serving', async () => {
    const reply = await api(server.url, 'POST', '/proxies', `{"name":"${'x'.repeat(2 << 20)}"}`);
    assert.equal(reply.status, 413);
    assert.equal((await api(server.url, 'GET', '/version')).status, 200);
  });
});

describe('through toxiproxy-node-client', () => {
  it('drives proxies and toxics the way harness code does', async () => {
    const toxiproxy = new Toxiproxy(server.url);
    const name = uniqueName('client');
    const proxy = await toxiproxy.createProxy({ name, upstream, listen: '127.0.0.1:0' });
    assert.notEqual(hostPort(proxy.listen).port, 0);
    const all = await toxiproxy.getAll();
    assert.equal(all[name]?.upstream, upstream);
    const toxic = await proxy.addToxic({ type: 'latency', attributes: { latency: 10, jitter: 0 } } as never);
    assert.equal(toxic.name, 'latency_downstream');
    const fetched = await proxy.getToxic('latency_downstream');
    assert.deepEqual(fetched.attributes, { latency: 10, jitter: 0 });
    const updated = await toxic.update({ attributes: { latency: 30 } } as never);
    assert.deepEqual(updated.attributes, { latency: 30, jitter: 0 });
    assert.equal(updated.toxicity, 1);
    await toxic.remove();
    const disabled = await proxy.update({ enabled: false } as never);
    assert.equal(disabled.enabled, false);
    assert.equal(disabled.listen, proxy.listen);
    await toxiproxy.reset();
    assert.equal((await toxiproxy.get(name)).enabled, true);
    assert.match(await toxiproxy.getVersion(), /"version"/);
    const populated = await toxiproxy.populate([{ name: uniqueName('clientpop'), upstream } as never]);
    assert.equal(Object.keys(populated).length, 1);
    await proxy.remove();
    await assert.rejects(toxiproxy.get(name), /404/);
    await assert.rejects(
      toxiproxy.createProxy({ name: Object.keys(populated)[0] ?? '', upstream } as never),
      /409/,
    );
  });
});
