/**
 * The data plane on real TCP: each toxic measured with real echo and HTTP servers on loopback.
 * Tolerances are wide enough for a loaded 2-core machine and still fail when a toxic is absent
 * or wrong (each lower bound is the toxic's own effect).
 */
import assert from 'node:assert/strict';
import { request as httpRequest, Agent } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startToxiproxyServer, type ToxiproxyServer } from '../../src/proxy/server.ts';
import {
  api,
  EchoClient,
  hostPort,
  sleep,
  startEchoServer,
  startHttpServer,
  within,
  type Closable,
} from './helpers.ts';

let server: ToxiproxyServer;
let echo: Closable;
let counter = 0;

before(async () => {
  server = await startToxiproxyServer({ port: 0, seed: 7 });
  echo = await startEchoServer();
});

after(async () => {
  await server.close();
  await echo.close();
});

interface ProxyHandle {
  name: string;
  listen: string;
  addToxic(body: Record<string, unknown>): Promise<void>;
  updateToxic(name: string, body: Record<string, unknown>): Promise<void>;
  removeToxic(name: string): Promise<void>;
}

async function proxyTo(upstreamPort: number): Promise<ProxyHandle> {
  const name = `dp_${++counter}`;
  const reply = await api(server.url, 'POST', '/proxies', { name, upstream: `127.0.0.1:${upstreamPort}` });
  assert.equal(reply.status, 201, reply.text);
  const path = `/proxies/${name}/toxics`;
  return {
    name,
    listen: (reply.json as { listen: string }).listen,
    addToxic: async (body) => {
      const r = await api(server.url, 'POST', path, body);
      assert.equal(r.status, 200, r.text);
    },
    updateToxic: async (toxic, body) => {
      const r = await api(server.url, 'PATCH', `${path}/${toxic}`, body);
      assert.equal(r.status, 200, r.text);
    },
    removeToxic: async (toxic) => {
      const r = await api(server.url, 'DELETE', `${path}/${toxic}`);
      assert.equal(r.status, 204, r.text);
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** One HTTP GET through a listen address; resolves with status, body and elapsed ms. */
function httpGet(
  listen: string,
  path = '/',
  agent?: Agent,
): Promise<{ status: number; body: string; ms: number }> {
  const { host, port } = hostPort(listen);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host, port, path, agent: agent ?? false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('latency', () => {
  it('delays each echo round trip by the latency, and removing it restores the fast path', async () => {
    const proxy = await proxyTo(echo.port);
    const client = await EchoClient.open(proxy.listen);
    await client.roundTrip('warm');
    await proxy.addToxic({ type: 'latency', attributes: { latency: 200 } });
    const slow = [];
    for (let i = 0; i < 3; i++) slow.push(await client.roundTrip(`slow${i}`));
    assert.ok(median(slow) >= 195 && median(slow) < 400, `median ${median(slow)} ms for a 200 ms latency`);
    await proxy.removeToxic('latency_downstream');
    const fast = await client.roundTrip('fast');
    assert.ok(fast < 150, `${fast} ms after removing the toxic`);
    client.close();
  });

  it('adds up two stacked latency toxics', async () => {
    const proxy = await proxyTo(echo.port);
    await proxy.addToxic({ type: 'latency', name: 'first', attributes: { latency: 100 } });
    await proxy.addToxic({ type: 'latency', name: 'second', attributes: { latency: 150 } });
    const client = await EchoClient.open(proxy.listen);
    const ms = await client.roundTrip('stacked');
    assert.ok(ms >= 245 && ms < 500, `${ms} ms for 100 + 150 ms`);
    client.close();
  });

  it('does not accumulate delay over a stream of chunks', async () => {
    const proxy = await proxyTo(echo.port);
    await proxy.addToxic({ type: 'latency', attributes: { latency: 150 } });
    const client = await EchoClient.open(proxy.listen);
    const started = performance.now();
    for (let i = 0; i < 20; i++) {
      client.socket.write(`chunk-${String(i).padStart(2, '0')};`);
      await sleep(10);
    }
    await within(client.until(20 * 9), 3000, 'all chunks');
    const total = performance.now() - started;
    // Sent over ~200+ ms, each delayed 150 ms from its own arrival: ≈ 350–450 ms, far below 20 × 150.
    assert.ok(total >= 150 && total < 1200, `${total} ms for 20 chunks with 150 ms latency`);
    assert.equal(
      client.all.toString(),
      Array.from({ length: 20 }, (_, i) => `chunk-${String(i).padStart(2, '0')};`).join(''),
    );
    client.close();
  });

  it('spreads round trips over latency ± jitter', async () => {
    const proxy = await proxyTo(echo.port);
    await proxy.addToxic({ type: 'latency', attributes: { latency: 100, jitter: 80 } });
    const client = await EchoClient.open(proxy.listen);
    const times: number[] = [];
    for (let i = 0; i < 12; i++) times.push(await client.roundTrip(`j${i}`));
    assert.ok(Math.min(...times) >= 18, `min ${Math.min(...times)}`);
    assert.ok(Math.max(...times) - Math.min(...times) > 20, `spread of ${times.map(Math.round).join(',')}`);
    client.close();
  });

  it('delays requests in the upstream direction', async () => {
    let arrivedAt = 0;
    const http = await startHttpServer((_req, res) => {
      arrivedAt = performance.now();
      res.end('ok');
    });
    try {
      const proxy = await proxyTo(http.port);
      await proxy.addToxic({ type: 'latency', stream: 'upstream', attributes: { latency: 200 } });
      const sent = performance.now();
      const reply = await httpGet(proxy.listen);
      assert.equal(reply.body, 'ok');
      assert.ok(arrivedAt - sent >= 195, `request reached the server after ${arrivedAt - sent} ms`);
    } finally {
      await http.close();
    }
  });
});

describe('bandwidth, slicer, slow_close', () => {
  it('limits throughput to roughly the rate in KB/s', async () => {
    const proxy = await proxyTo(echo.port);
    await proxy.addToxic({ type: 'bandwidth', attributes: { rate: 100 } });
    const client = await EchoClient.open(proxy.listen);
    const payload = Buffer.alloc(100_000, 7);
    const ms = await within(client.roundTrip(payload), 10_000, '100 KB at 100 KB/s');
    assert.ok(ms >= 850 && ms < 3000, `${ms} ms for 100 KB at 100 KB/s`);
    assert.ok(client.all.equals(payload));
    client.close();
  });

  it('slices data into small delayed pieces without changing it', async () => {
    const proxy = await proxyTo(echo.port);
    await proxy.addToxic({
      type: 'slicer',
      attributes: { average_size: 100, size_variation: 20, delay: 5000 },
    });
    const client = await EchoClient.open(proxy.listen);
    let pieces = 0;
    client.socket.on('data', () => pieces++);
    const payload = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    const ms = await within(client.roundTrip(payload), 5000, 'sliced echo');
    assert.ok(client.all.equals(payload), 'same bytes in the same order');
    assert.ok(pieces >= 2, `${pieces} pieces`);
    assert.ok(ms >= 30, `${ms} ms for 8–16 pieces 5 ms apart`);
    client.close();
  });

  it('holds the close back by slow_close delay', async () => {
    const hello = createServer((socket) => socket.end('bye'));
    await new Promise<void>((resolve) => hello.listen(0, '127.0.0.1', resolve));
    try {
      const port = (hello.address() as { port: number }).port;
      const proxy = await proxyTo(port);
      await proxy.addToxic({ type: 'slow_close', attributes: { delay: 300 } });
      const client = await EchoClient.open(proxy.listen);
      await within(client.until(3), 2000, 'greeting');
      const dataAt = performance.now();
      await within(new Promise((resolve) => client.socket.once('end', resolve)), 3000, 'end');
      const held = performance.now() - dataAt;
      assert.ok(held >= 250 && held < 1500, `end came ${held} ms after the data`);
    } finally {
      await new Promise((resolve) => hello.close(resolve));
    }
  });
});

describe('timeout, reset_peer, limit_data', () => {
  it('timeout 0 is a black hole that keeps the connection open; removing it closes the connection', async () => {
    const proxy = await proxyTo(echo.port);
    await proxy.addToxic({ type: 'timeout', attributes: { timeout: 0 } });
    const client = await EchoClient.open(proxy.listen);
    client.socket.write('into the void');
    await sleep(400);
    assert.equal(client.all.length, 0, 'nothing came back');
    assert.equal(client.closed, false, 'still open');
    await proxy.removeToxic('timeout_downstream');
    await within(
      new Promise((resolve) => (client.closed ? resolve(null) : client.socket.once('close', resolve))),
      2000,
      'close',
    );
  });

  it('timeout N closes the connection after N ms without delivering data', async () => {
    const proxy = await proxyTo(echo.port);
    await proxy.addToxic({ type: 'timeout', attributes: { timeout: 300 } });
    const client = await EchoClient.open(proxy.listen);
    const started = performance.now();
    client.socket.write('lost');
    await within(new Promise((resolve) => client.socket.once('close', resolve)), 3000, 'close');
    const ms = performance.now() - started;
    assert.ok(ms >= 250 && ms < 1500, `closed after ${ms} ms`);
    assert.equal(client.all.length, 0);
  });

  it('reset_peer is seen as ECONNRESET by an HTTP client', async () => {
    const http = await startHttpServer((_req, res) => res.end('{"keys":[]}'));
    try {
      const proxy = await proxyTo(http.port);
      await proxy.addToxic({ type: 'reset_peer', attributes: { timeout: 50 } });
      await assert.rejects(
        httpGet(proxy.listen, '/.well-known/jwks.json'),
        (error: NodeJS.ErrnoException) => {
          assert.equal(error.code, 'ECONNRESET');
          return true;
        },
      );
    } finally {
      await http.close();
    }
  });

  it('limit_data truncates a JWKS body so the client cannot parse it', async () => {
    const jwks = JSON.stringify({
      keys: Array.from({ length: 4 }, (_, i) => ({
        kty: 'RSA',
        kid: `key-${i}`,
        n: 'x'.repeat(342),
        e: 'AQAB',
      })),
    });
    const http = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(jwks) });
      res.end(jwks);
    });
    try {
      const proxy = await proxyTo(http.port);
      const whole = await fetch(`http://${proxy.listen}/jwks`).then((r) => r.json());
      assert.deepEqual(whole, JSON.parse(jwks), 'intact without the toxic');
      await proxy.addToxic({ type: 'limit_data', attributes: { bytes: 600 } });
      await assert.rejects(
        fetch(`http://${proxy.listen}/jwks`, { headers: { connection: 'close' } }).then((r) => r.json()),
      );
      const { host, port } = hostPort(proxy.listen);
      const received = await new Promise<{ bytes: number; error: string }>((resolve) => {
        const req = httpRequest({ host, port, path: '/jwks', agent: false }, (res) => {
          let bytes = 0;
          res.on('data', (chunk: Buffer) => (bytes += chunk.length));
          res.on('error', (e) => resolve({ bytes, error: e.message }));
          res.on('end', () => resolve({ bytes, error: 'none' }));
        });
        req.on('error', (e) => resolve({ bytes: 0, error: e.message }));
        req.end();
      });
      assert.ok(received.bytes < Buffer.byteLength(jwks), `only ${received.bytes} body bytes`);
      assert.notEqual(received.error, 'none', 'the client noticed the premature close');
    } finally {
      await http.close();
    }
  });

  it('limit_data upstream lets at most N request bytes reach the server', async () => {
    let got = 0;
    const sink = createServer((socket) => socket.on('data', (chunk: Buffer) => (got += chunk.length)));
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    try {
      const proxy = await proxyTo((sink.address() as { port: number }).port);
      await proxy.addToxic({ type: 'limit_data', stream: 'upstream', attributes: { bytes: 1000 } });
      const client = await EchoClient.open(proxy.listen);
      client.socket.write(Buffer.alloc(5000, 1));
      await within(
        new Promise((resolve) => (client.closed ? resolve(null) : client.socket.once('close', resolve))),
        3000,
        'close',
      );
      await sleep(50);
      assert.equal(got, 1000);
    } finally {
      await new Promise((resolve) => sink.close(resolve));
    }
  });
});

describe('live connections', () => {
  it('keeps every byte in order while toxics are added, updated and removed on a live connection', async () => {
    const proxy = await proxyTo(echo.port);
    const client = await EchoClient.open(proxy.listen);
    let sent = '';
    let running = true;
    const writer = (async () => {
      for (let i = 0; running && i < 5000; i++) {
        const line = `line ${i} ${'.'.repeat(i % 37)}\n`;
        sent += line;
        client.socket.write(line);
        await sleep(i % 10 === 0 ? 2 : 0);
      }
    })();
    const steps: (() => Promise<void>)[] = [
      () => proxy.addToxic({ type: 'latency', attributes: { latency: 40, jitter: 30 } }),
      () =>
        proxy.addToxic({ type: 'slicer', attributes: { average_size: 50, size_variation: 10, delay: 100 } }),
      () => proxy.addToxic({ type: 'latency', name: 'up', stream: 'upstream', attributes: { latency: 25 } }),
      () => proxy.updateToxic('latency_downstream', { attributes: { latency: 5 } }),
      () => proxy.removeToxic('latency_downstream'),
      () => proxy.addToxic({ type: 'bandwidth', attributes: { rate: 200 } }),
      () => proxy.removeToxic('slicer_downstream'),
      () => proxy.removeToxic('up'),
      () => proxy.updateToxic('bandwidth_downstream', { toxicity: 0 }),
      () => proxy.removeToxic('bandwidth_downstream'),
    ];
    for (const step of steps) {
      await sleep(60);
      await step();
    }
    running = false;
    await writer;
    const received = await within(client.until(Buffer.byteLength(sent)), 10_000, 'every byte back');
    assert.equal(received.length, Buffer.byteLength(sent));
    assert.ok(received.toString() === sent, 'bytes identical and in order');
    client.close();
  });

  it('switches latency on and off for requests on one keep-alive HTTP connection', async () => {
    const sockets = new Set<Socket>();
    const http = await startHttpServer((req, res) => {
      sockets.add(req.socket);
      res.end('pong');
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const proxy = await proxyTo(http.port);
      const first = await httpGet(proxy.listen, '/', agent);
      await proxy.addToxic({ type: 'latency', attributes: { latency: 150 } });
      const slow = await httpGet(proxy.listen, '/', agent);
      await proxy.removeToxic('latency_downstream');
      const fast = await httpGet(proxy.listen, '/', agent);
      assert.deepEqual([first.body, slow.body, fast.body], ['pong', 'pong', 'pong']);
      assert.ok(slow.ms >= 145, `${slow.ms} ms with the toxic`);
      assert.ok(fast.ms < 140, `${fast.ms} ms after removing it`);
      assert.equal(sockets.size, 1, 'one connection carried every request');
    } finally {
      agent.destroy();
      await http.close();
    }
  });

  it('POST /reset flushes what a live connection held and restores the fast path', async () => {
    const proxy = await proxyTo(echo.port);
    const client = await EchoClient.open(proxy.listen);
    await proxy.addToxic({ type: 'latency', attributes: { latency: 5000 } });
    client.socket.write('held');
    await sleep(100);
    assert.equal(client.all.length, 0);
    assert.equal((await api(server.url, 'POST', '/reset')).status, 204);
    await within(client.until(4), 1000, 'flushed on reset');
    const ms = await client.roundTrip('fast');
    assert.ok(ms < 1000, `${ms} ms after reset`);
    client.close();
  });

  it('closes live connections and refuses new ones while disabled, then serves again', async () => {
    const http = await startHttpServer((_req, res) => res.end('up'));
    try {
      const proxy = await proxyTo(http.port);
      assert.equal((await httpGet(proxy.listen)).body, 'up');
      await api(server.url, 'PATCH', `/proxies/${proxy.name}`, { enabled: false });
      await assert.rejects(httpGet(proxy.listen), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
      await api(server.url, 'PATCH', `/proxies/${proxy.name}`, { enabled: true });
      assert.equal((await httpGet(proxy.listen)).body, 'up');
    } finally {
      await http.close();
    }
  });
});
