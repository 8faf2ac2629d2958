import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runLoad } from '../../src/load/index.ts';
import { after, startTestServer } from './servers.ts';

describe('closed model', () => {
  it('keeps exactly N virtual users busy, one request each at a time', async () => {
    const server = await startTestServer(after(20));
    try {
      const result = await runLoad({
        target: server.url,
        phases: [{ type: 'closed', vus: 4, duration: '1s' }],
        connections: 10,
      });
      const s = result.summary;
      assert.equal(server.maxConcurrent, 4);
      // 4 VUs × (1000 ms / ≥20 ms) ≤ 200 requests; a loaded machine makes fewer, never more.
      assert.ok(s.totals.requests >= 8 && s.totals.requests <= 204, `requests ${s.totals.requests}`);
      assert.equal(s.totals.dropped, 0);
      assert.equal(s.phases[0]?.endedBy, 'time');
      // Closed model: the next request is due when the previous one returns, so corrected and
      // uncorrected latency agree.
      const { corrected, uncorrected } = s.totals.latency;
      assert.ok(Math.abs(corrected.p50 - uncorrected.p50) < 2, `${corrected.p50} vs ${uncorrected.p50}`);
    } finally {
      await server.close();
    }
  });

  it('waits the think time between a response and the next request', async () => {
    const server = await startTestServer();
    try {
      const result = await runLoad({
        target: server.url,
        phases: [{ type: 'closed', vus: 2, duration: '1s', thinkTime: '100ms' }],
      });
      // 2 VUs × ~10 loops of ≥100 ms.
      assert.ok(
        result.summary.totals.requests >= 8 && result.summary.totals.requests <= 22,
        `${result.summary.totals.requests}`,
      );
    } finally {
      await server.close();
    }
  });
});

describe('bursts', () => {
  it('releases N requests together: the server holds all of them at once', async () => {
    // Responses are held 300 ms, so if every burst request arrives before the first answer the
    // server sees all 50 in flight together. Warm-up opens the 50 keep-alive connections first,
    // as a running SUT would have them.
    const server = await startTestServer(after(300));
    try {
      const result = await runLoad({
        target: server.url,
        phases: [
          { type: 'closed', name: 'warm', vus: 50, duration: '200ms', maxRequests: 50 },
          { type: 'pause', duration: '400ms' },
          { type: 'burst', name: 'stampede', count: 50 },
        ],
        source: (ctx) => ({ path: `/?phase=${ctx.phase}`, kind: ctx.phase }),
        connections: 50,
      });
      const s = result.summary;
      assert.equal(s.kinds.stampede?.requests, 50);
      const burstArrivals = server.arrivals.slice(-50);
      const spread = Math.max(...burstArrivals) - Math.min(...burstArrivals);
      assert.ok(spread < 100, `burst arrivals spread over ${spread.toFixed(1)}ms`);
      assert.equal(server.maxConcurrent, 50);
      // All burst requests share one intended start, the release instant.
      assert.ok((s.kinds.stampede?.latency.corrected.min ?? 0) >= 299);
    } finally {
      await server.close();
    }
  });
});
