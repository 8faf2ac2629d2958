/**
 * Absurd toxic attributes (1e300 ms, 700 h, 1e308 bytes) are refused with a 400 naming the
 * attribute, on create and on update, by the real embedded server on loopback; the largest
 * accepted value still works. Before the bounds, such a value overflowed Node's timers, which
 * then fired every millisecond.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_TOXIC_BYTES, MAX_TOXIC_DURATION_MS } from '../../src/proxy/toxics/bounds.ts';
import { startToxiproxyServer, type ToxiproxyServer } from '../../src/proxy/server.ts';
import { api, startEchoServer, type Closable } from './helpers.ts';

let server: ToxiproxyServer;
let echo: Closable;
let path: string;

before(async () => {
  server = await startToxiproxyServer({ port: 0, seed: 1 });
  echo = await startEchoServer();
  const created = await api(server.url, 'POST', '/proxies', {
    name: 'bounds',
    upstream: `127.0.0.1:${echo.port}`,
    listen: '127.0.0.1:0',
  });
  assert.equal(created.status, 201, created.text);
  path = '/proxies/bounds/toxics';
});

after(async () => {
  await server.close();
  await echo.close();
});

describe('toxic attribute bounds in the proxy API', () => {
  it('refuses every out-of-range duration and size with a 400 naming the attribute', async () => {
    const absurd: [string, Record<string, number>, string][] = [
      ['latency', { latency: 1e300 }, 'latency'],
      ['latency', { latency: 700 * 3_600_000 }, 'latency'],
      ['latency', { jitter: 2 ** 31 }, 'jitter'],
      ['timeout', { timeout: 1e20 }, 'timeout'],
      ['reset_peer', { timeout: 1e20 }, 'timeout'],
      ['slow_close', { delay: 1e12 }, 'delay'],
      ['slicer', { average_size: 1e308, delay: 1 }, 'average_size'],
      ['slicer', { average_size: 8, delay: 1e15 }, 'delay'],
      ['limit_data', { bytes: 1e308 }, 'bytes'],
      ['bandwidth', { rate: 1e300 }, 'rate'],
      ['bandwidth', { rate: -1e300 }, 'rate'],
    ];
    for (const [type, attributes, field] of absurd) {
      const reply = await api(server.url, 'POST', path, { type, attributes });
      assert.equal(reply.status, 400, `${type} ${JSON.stringify(attributes)} → ${reply.text}`);
      const body = reply.json as { error: string; status: number };
      assert.match(body.error, new RegExp(`attributes\\.${field} must be at most \\d+`), reply.text);
      assert.equal(body.status, 400);
    }
    const list = await api(server.url, 'GET', path);
    assert.deepEqual(list.json, [], 'a refused toxic is not half-created');
  });

  it('accepts the bounds themselves and refuses an update past them', async () => {
    const ok = await api(server.url, 'POST', path, {
      type: 'latency',
      name: 'slowest',
      attributes: { latency: MAX_TOXIC_DURATION_MS },
    });
    assert.equal(ok.status, 200, ok.text);
    const bytes = await api(server.url, 'POST', path, {
      type: 'limit_data',
      name: 'biggest',
      attributes: { bytes: MAX_TOXIC_BYTES },
    });
    assert.equal(bytes.status, 200, bytes.text);
    const update = await api(server.url, 'POST', `${path}/slowest`, { attributes: { latency: 1e300 } });
    assert.equal(update.status, 400, update.text);
    assert.match((update.json as { error: string }).error, /attributes\.latency must be at most/);
    const shown = await api(server.url, 'GET', `${path}/slowest`);
    assert.equal(
      (shown.json as { attributes: { latency: number } }).attributes.latency,
      MAX_TOXIC_DURATION_MS,
    );
  });
});
