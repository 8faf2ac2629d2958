/**
 * The server survives hostile or careless clients: garbage on the API port, odd paths, clients
 * vanishing mid-stream, upstreams that refuse; and it leaves no socket open behind them.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startToxiproxyServer, type ToxiproxyServer } from '../../src/proxy/server.ts';
import { api, EchoClient, hostPort, sleep, startEchoServer, within } from './helpers.ts';

let server: ToxiproxyServer;
let echo: Awaited<ReturnType<typeof startEchoServer>>;

before(async () => {
  server = await startToxiproxyServer({ port: 0, seed: 3 });
  echo = await startEchoServer();
});

after(async () => {
  await server.close();
  await echo.close();
});

/** Polls `condition` until it holds or `ms` pass. */
async function eventually(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`${what}: still false after ${ms} ms`);
    await sleep(20);
  }
}

describe('robustness', () => {
  it('answers garbage on the API port with 400 and keeps serving', async () => {
    const { host, port } = hostPort(server.url.replace('http://', ''));
    const reply = await new Promise<string>((resolve) => {
      let text = '';
      const socket = connect({ host, port }, () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
    });
    assert.match(reply, /^HTTP\/1\.1 400/);
    assert.equal((await api(server.url, 'GET', '/version')).status, 200);
  });

  it('handles malformed and encoded path segments', async () => {
    assert.equal((await api(server.url, 'GET', '/proxies/%E0%A4%A')).status, 400);
    const created = await api(server.url, 'POST', '/proxies', {
      name: 'with space',
      upstream: `127.0.0.1:${echo.port}`,
    });
    assert.equal(created.status, 201);
    assert.equal((await api(server.url, 'GET', '/proxies/with%20space')).status, 200);
    assert.equal((await api(server.url, 'DELETE', '/proxies/with%20space')).status, 204);
  });

  it('closes the client at once when the upstream refuses, and the proxy keeps working', async () => {
    const created = await api(server.url, 'POST', '/proxies', { name: 'refused', upstream: '127.0.0.1:1' });
    const client = await EchoClient.open((created.json as { listen: string }).listen);
    client.socket.write('anyone?');
    await within(
      new Promise((resolve) => (client.closed ? resolve(null) : client.socket.once('close', resolve))),
      3000,
      'client closed',
    );
    assert.equal((await api(server.url, 'GET', '/proxies/refused')).status, 200);
  });

  it('leaves no upstream connection open after clients vanish, with and without toxics', async () => {
    const created = await api(server.url, 'POST', '/proxies', {
      name: 'vanish',
      upstream: `127.0.0.1:${echo.port}`,
    });
    const listen = (created.json as { listen: string }).listen;
    const before = echo.open();
    const clients: EchoClient[] = [];
    for (let i = 0; i < 10; i++) {
      const client = await EchoClient.open(listen);
      await client.roundTrip('hi');
      clients.push(client);
    }
    await api(server.url, 'POST', '/proxies/vanish/toxics', {
      type: 'latency',
      attributes: { latency: 5000 },
    });
    await api(server.url, 'POST', '/proxies/vanish/toxics', {
      type: 'slow_close',
      stream: 'upstream',
      attributes: { delay: 10 },
    });
    for (let i = 0; i < 10; i++) {
      const client = await EchoClient.open(listen);
      client.socket.write('held by latency');
      clients.push(client);
    }
    await eventually(() => echo.open() === before + 20, 3000, 'all 20 upstream connections open');
    clients.forEach((client, i) => (i % 2 === 0 ? client.socket.end() : client.socket.destroy()));
    await eventually(
      () => echo.open() === before,
      5000,
      `upstream connections closed (open: ${echo.open()})`,
    );
  });

  it('survives a client that resets while data is in flight through toxics', async () => {
    const created = await api(server.url, 'POST', '/proxies', {
      name: 'rst',
      upstream: `127.0.0.1:${echo.port}`,
    });
    const listen = (created.json as { listen: string }).listen;
    await api(server.url, 'POST', '/proxies/rst/toxics', { type: 'bandwidth', attributes: { rate: 10 } });
    for (let i = 0; i < 5; i++) {
      const client = await EchoClient.open(listen);
      client.socket.write(Buffer.alloc(200_000, 1));
      await sleep(30);
      client.socket.resetAndDestroy();
    }
    const client = await EchoClient.open(listen);
    await api(server.url, 'DELETE', '/proxies/rst/toxics/bandwidth_downstream');
    await within(client.roundTrip('still alive'), 2000, 'echo after resets');
    client.close();
  });
});
