/**
 * Toxicity: drawn once per connection and direction from the server's seeded generator, so the
 * share of affected connections matches the toxicity, a keep-alive connection is affected for
 * all its requests or none, and the same seed reproduces the same pattern.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startToxiproxyServer } from '../../src/proxy/server.ts';
import { api, EchoClient, sleep, startEchoServer, within, type Closable } from './helpers.ts';

let echo: Closable;

before(async () => {
  echo = await startEchoServer();
});

after(async () => {
  await echo.close();
});

/** True when the connection was cut by the limit_data toxic, false when it echoed. */
async function isAffected(listen: string): Promise<boolean> {
  const client = await EchoClient.open(listen);
  const outcome = await within(
    new Promise<boolean>((resolve) => {
      client.socket.once('close', () => resolve(true));
      client.until(1).then(
        () => resolve(false),
        () => resolve(true),
      );
      client.socket.write('x');
    }),
    5000,
    'echo or close',
  );
  client.close();
  return outcome;
}

/** Runs `count` connections, one after another, through a fresh server with `seed`. */
async function pattern(seed: number, toxicity: number, count: number): Promise<boolean[]> {
  const server = await startToxiproxyServer({ port: 0, seed });
  try {
    const created = await api(server.url, 'POST', '/proxies', {
      name: 'jwks',
      upstream: `127.0.0.1:${echo.port}`,
    });
    const listen = (created.json as { listen: string }).listen;
    const toxic = await api(server.url, 'POST', '/proxies/jwks/toxics', {
      type: 'limit_data',
      toxicity,
      attributes: { bytes: 0 },
    });
    assert.equal(toxic.status, 200, toxic.text);
    const results: boolean[] = [];
    for (let i = 0; i < count; i++) results.push(await isAffected(listen));
    return results;
  } finally {
    await server.close();
  }
}

describe('toxicity', () => {
  it('affects about toxicity × connections (0.3 over 400) and the same seed reproduces the pattern', async () => {
    const first = await pattern(1234, 0.3, 400);
    const share = first.filter(Boolean).length / first.length;
    // σ = √(0.3·0.7/400) ≈ 0.023: ±0.075 is more than 3σ.
    assert.ok(Math.abs(share - 0.3) < 0.075, `affected share ${share}`);
    const again = await pattern(1234, 0.3, 400);
    assert.deepEqual(again, first, 'same seed, same connections affected');
    const other = await pattern(4321, 0.3, 400);
    assert.notDeepEqual(other, first, 'another seed, another pattern');
  });

  it('never affects a connection at toxicity 0 and always at toxicity 1', async () => {
    assert.deepEqual(
      await pattern(5, 0, 30),
      Array.from({ length: 30 }, () => false),
    );
    assert.deepEqual(
      await pattern(5, 1, 30),
      Array.from({ length: 30 }, () => true),
    );
  });

  it('applies the draw to every request of a keep-alive connection or to none', async () => {
    const server = await startToxiproxyServer({ port: 0, seed: 99 });
    try {
      const created = await api(server.url, 'POST', '/proxies', {
        name: 'ka',
        upstream: `127.0.0.1:${echo.port}`,
      });
      const listen = (created.json as { listen: string }).listen;
      await api(server.url, 'POST', '/proxies/ka/toxics', {
        type: 'latency',
        toxicity: 0.5,
        attributes: { latency: 120 },
      });
      const verdicts: boolean[] = [];
      for (let c = 0; c < 16; c++) {
        const client = await EchoClient.open(listen);
        const times: number[] = [];
        for (let r = 0; r < 3; r++) times.push(await client.roundTrip(`req${r}`));
        client.close();
        const slow = times.map((t) => t >= 115);
        assert.ok(
          slow.every((s) => s === slow[0]),
          `connection ${c}: round trips ${times.map(Math.round).join(', ')} ms mix slow and fast`,
        );
        verdicts.push(slow[0] ?? false);
      }
      assert.ok(verdicts.includes(true) && verdicts.includes(false), `16 connections all ${verdicts[0]}`);
    } finally {
      await server.close();
    }
  });
  it('runs nothing for a connection its toxicity spared: a toxicity-0 timeout never closes it', async () => {
    const server = await startToxiproxyServer({ port: 0, seed: 11 });
    try {
      const created = await api(server.url, 'POST', '/proxies', {
        name: 'spared',
        upstream: `127.0.0.1:${echo.port}`,
      });
      const listen = (created.json as { listen: string }).listen;
      await api(server.url, 'POST', '/proxies/spared/toxics', {
        type: 'timeout',
        toxicity: 0,
        attributes: { timeout: 150 },
      });
      const client = await EchoClient.open(listen);
      await sleep(400);
      assert.equal(client.closed, false, 'the spared connection is still open');
      await within(client.roundTrip('still here'), 2000, 'echo on the spared connection');
      const raised = await api(server.url, 'PATCH', '/proxies/spared/toxics/timeout_downstream', {
        toxicity: 1,
      });
      assert.equal(raised.status, 200);
      client.socket.write('now swallowed');
      await within(
        new Promise((resolve) => (client.closed ? resolve(null) : client.socket.once('close', resolve))),
        3000,
        'closed once the toxic applies',
      );
      assert.equal(client.all.toString(), 'still here');
    } finally {
      await server.close();
    }
  });
});
