import assert from 'node:assert/strict';
import { after as afterAll, before, describe, it } from 'node:test';
import { runLoad, startLoad } from '../../src/load/index.ts';
import { startTestServer } from './servers.ts';
import type { TestServer } from './servers.ts';

describe('open model (arrival rate)', () => {
  let fast: TestServer;
  before(async () => {
    fast = await startTestServer();
  });
  afterAll(async () => {
    await fast.close();
  });

  it('holds a constant arrival rate within 2 % over a multi-second run', async () => {
    fast.arrivals.length = 0;
    const run = startLoad({
      target: fast.url,
      phases: [{ type: 'constant-arrival', rate: 200, duration: '5s' }],
      maxInFlight: 10_000,
    });
    const t0 = performance.now() - run.elapsedMs();
    const result = await run.done;
    const s = result.summary;
    const phase = s.phases[0];
    assert.ok(phase);
    // Starts are made on schedule (catching up after any event-loop stall), so the count is
    // the rate times the duration; the server saw every one of them.
    assert.ok(Math.abs(s.totals.started - 1000) <= 20, `started ${s.totals.started}`);
    assert.equal(fast.arrivals.length, s.totals.started);
    assert.equal(s.totals.dropped, 0);
    assert.ok(
      Math.abs(phase.endMs - phase.startMs - 5000) <= 100,
      `phase lasted ${phase.endMs - phase.startMs}ms`,
    );
    // Server-side: the arrivals are spread over the 5 s, not bunched: each half of the run
    // got close to half of the requests.
    const phaseStart = t0 + phase.startMs;
    const firstHalf = fast.arrivals.filter((t) => t - phaseStart < 2500).length;
    assert.ok(Math.abs(firstHalf - 500) <= 40, `first half got ${firstHalf}`);
    // Responses, counted over the phases' span (whose end timer may fire late on a busy machine).
    assert.ok(Math.abs(s.achievedRate - 200) <= 6, `achieved ${s.achievedRate}/s`);
  });

  it('follows a ramping arrival rate (0 → 200/s over 2 s, then 200/s for 1 s)', async () => {
    fast.arrivals.length = 0;
    const run = startLoad({
      target: fast.url,
      phases: [
        {
          type: 'ramping-arrival',
          startRate: 0,
          stages: [
            { target: 200, duration: '2s' },
            { target: 200, duration: '1s' },
          ],
        },
      ],
    });
    const t0 = performance.now() - run.elapsedMs();
    const s = (await run.done).summary;
    // ∫ rate dt = ½·200·2 + 200·1 = 400 starts.
    assert.ok(Math.abs(s.totals.started - 400) <= 2, `started ${s.totals.started}`);
    // N(t) = 50·t² during the ramp: 50 starts by 1 s, 200 by 2 s, then 200 in the last second.
    const first = t0 + (s.phases[0]?.startMs ?? 0);
    const bySecond = [0, 0, 0];
    for (const t of fast.arrivals) {
      const i = Math.min(2, Math.floor((t - first) / 1000));
      bySecond[i] = (bySecond[i] ?? 0) + 1;
    }
    const [a = 0, b = 0, c = 0] = bySecond;
    assert.ok(Math.abs(a - 50) <= 15, `second 0: ${a}`);
    assert.ok(Math.abs(b - 150) <= 20, `second 1: ${b}`);
    assert.ok(Math.abs(c - 200) <= 20, `second 2: ${c}`);
  });
});

describe('coordinated omission', () => {
  it('corrected latency shows the backlog a 500 ms stall causes; uncorrected barely moves', async () => {
    // One connection, 100 req/s for 3 s; request 100 (about 1 s in) stalls for 500 ms. The
    // ~50 requests due during the stall wait for the one connection: measured from their
    // intended start they took up to ~500 ms, measured from their actual send only ~1 ms.
    const server = await startTestServer((_req, res, n) => {
      if (n === 100) setTimeout(() => res.end('slow'), 500);
      else res.end('ok');
    });
    try {
      const result = await runLoad({
        target: server.url,
        phases: [{ type: 'constant-arrival', rate: 100, duration: '3s' }],
        connections: 1,
      });
      const { corrected, uncorrected } = result.summary.totals.latency;
      assert.equal(result.summary.totals.requests, 300);
      assert.ok(corrected.max >= 480, `corrected max ${corrected.max}`);
      assert.ok(uncorrected.max >= 480, `uncorrected max ${uncorrected.max} (the stalled request itself)`);
      // ~50 of 300 requests (17 %) queued behind the stall with latencies spread 0–500 ms,
      // so the corrected p99 sits near the stall and the p90 is well above the service time.
      assert.ok(corrected.p99 >= 350, `corrected p99 ${corrected.p99}`);
      assert.ok(corrected.p90 >= 50, `corrected p90 ${corrected.p90}`);
      // Only the one stalled request is slow when measured from the send: 1 of 300 < 1 %.
      assert.ok(
        uncorrected.p99 * 3 < corrected.p99,
        `uncorrected p99 ${uncorrected.p99} vs corrected ${corrected.p99}`,
      );
      assert.ok(
        uncorrected.p90 * 5 < corrected.p90,
        `uncorrected p90 ${uncorrected.p90} vs corrected ${corrected.p90}`,
      );
      // The queued requests were sent late, and the engine says so.
      assert.ok(result.summary.totals.late >= 30, `late ${result.summary.totals.late}`);
      assert.ok(result.summary.startLag.max >= 400, `start lag max ${result.summary.startLag.max}`);
    } finally {
      await server.close();
    }
  });

  it('with a fixed 50 ms service time and too few connections, corrected latency grows with the queue', async () => {
    // 2 connections × 20 req/s each = 40 req/s of capacity for 60 req/s of arrivals: the queue
    // grows by ~20 requests a second, so the corrected latency climbs while the uncorrected
    // one stays at the service time.
    const server = await startTestServer((_req, res) => setTimeout(() => res.end('ok'), 50));
    try {
      const result = await runLoad({
        target: server.url,
        phases: [{ type: 'constant-arrival', rate: 60, duration: '3s' }],
        connections: 2,
      });
      const { corrected, uncorrected } = result.summary.totals.latency;
      assert.ok(uncorrected.p50 >= 49 && uncorrected.p50 < 150, `uncorrected p50 ${uncorrected.p50}`);
      assert.ok(corrected.max >= 800, `corrected max ${corrected.max}`);
      assert.ok(corrected.p50 > uncorrected.p50 * 3, `corrected p50 ${corrected.p50} vs ${uncorrected.p50}`);
      const series = result.summary.series.filter((p) => p.requests > 0);
      const firstP99 = series[0]?.latency.corrected.p99 ?? 0;
      const lastP99 = series.at(-1)?.latency.corrected.p99 ?? 0;
      assert.ok(lastP99 > firstP99 + 300, `p99 per second went ${firstP99} → ${lastP99}`);
    } finally {
      await server.close();
    }
  });
});
