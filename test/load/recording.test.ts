import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runLoad, startLoad } from '../../src/load/index.ts';
import { startTestServer } from './servers.ts';

describe('recording', () => {
  it('keeps a per-second series and answers windows from it', async () => {
    // Kind `bad` (the middle 3 s) gets 401s, which it expects; the others get 200s.
    const server = await startTestServer((req, res) => {
      res.statusCode = req.url?.includes('bad') === true ? 401 : 200;
      res.end();
    });
    try {
      const points: number[] = [];
      const result = await runLoad({
        target: server.url,
        phases: [
          { type: 'constant-arrival', name: 'good', rate: 100, duration: '1s' },
          { type: 'constant-arrival', name: 'bad', rate: 100, duration: '3s' },
          { type: 'constant-arrival', name: 'good2', rate: 100, duration: '1s' },
        ],
        source: (ctx) =>
          ctx.phase === 'bad' ? { path: '/bad', kind: 'bad', expect: [401] } : { path: '/ok', kind: 'good' },
        onSecond: (p) => points.push(p.t),
      });
      const s = result.summary;
      assert.equal(s.totals.requests, 500);
      assert.equal(s.totals.status['401'], 300);
      assert.equal(s.totals.unexpected, 0, 'the 401s were expected');
      assert.equal(s.kinds.bad?.status['401'], 300);
      assert.equal(s.kinds.good?.status['2xx'], 200);
      // The series covers every second, adds up to the totals and was streamed as it went.
      assert.ok(s.series.length >= 5);
      assert.deepEqual(
        s.series.map((p) => p.t),
        s.series.map((_p, i) => i * 1000),
      );
      assert.equal(
        s.series.reduce((n, p) => n + p.requests, 0),
        500,
      );
      assert.deepEqual(
        points,
        s.series.map((p) => p.t),
      );
      assert.ok(s.series[1]?.kinds.bad !== undefined);
      // Windows: [2 s, 3 s) lies inside the `bad` phase (it starts at ~1 s), so it is all
      // 401s; the first second has none.
      const during = result.window(2000, 3000);
      assert.equal(during.stats.rates['401'], 1, `401 rate in [2s,3s) ${during.stats.rates['401']}`);
      assert.ok(during.stats.requests >= 50);
      assert.equal(result.window(0, 1000).stats.status['401'], 0);
      assert.equal(during.counts('bad').requests, during.stats.status['401']);
      assert.equal(during.latency('corrected', 'bad').samples, during.stats.requests);
      assert.equal(during.latency('corrected', 'no-such-kind').samples, 0);
      // A window over everything matches the totals; the whole-run view uses the 3-digit totals.
      assert.equal(result.window(0, 60_000).stats.requests, 500);
      assert.equal(result.window().stats.requests, 500);
      const whole = result.window().latency('corrected');
      assert.ok(whole.percentile(50) > 0 && whole.percentile(50) <= whole.max);
      // The summary is plain JSON.
      assert.deepEqual(JSON.parse(JSON.stringify(result)), s);
    } finally {
      await server.close();
    }
  });

  it('reports live progress and windows while the run goes on', async () => {
    const server = await startTestServer();
    try {
      const run = startLoad({
        target: server.url,
        phases: [{ type: 'constant-arrival', rate: 100, duration: '2500ms' }],
      });
      await new Promise((resolve) => setTimeout(resolve, 1600));
      const snap = run.snapshot();
      assert.ok(snap.elapsedMs >= 1500);
      assert.ok(snap.requests >= 100 && snap.requests <= 170, `requests so far ${snap.requests}`);
      assert.ok(snap.rollingRate > 50 && snap.rollingRate < 150, `rolling rate ${snap.rollingRate}`);
      assert.ok(snap.rollingP95 > 0);
      assert.equal(snap.errorRate, 0);
      assert.equal(snap.phase, 'constant-arrival#0');
      const soFar = run.window(0, 2000);
      assert.equal(soFar.stats.requests, snap.requests);
      const result = await run.done;
      assert.equal(result.summary.totals.requests, 250);
    } finally {
      await server.close();
    }
  });

  it('counts a 2xx for a negative case as a security failure and other surprises as unexpected', async () => {
    const server = await startTestServer((req, res) => {
      res.statusCode = req.url === '/500' ? 500 : 200;
      res.end();
    });
    try {
      let n = 0;
      const result = await runLoad({
        target: server.url,
        phases: [{ type: 'burst', count: 30 }],
        source: () => {
          const i = n++ % 3;
          if (i === 0) return { path: '/', kind: 'negative', expect: [401, 403] };
          if (i === 1) return { path: '/500', kind: 'fresh' };
          return { path: '/', kind: 'fresh' };
        },
      });
      const s = result.summary;
      assert.equal(s.totals.securityFailures, 10);
      assert.equal(s.kinds.negative?.securityFailures, 10);
      assert.equal(s.kinds.negative?.unexpected, 10);
      assert.equal(s.kinds.fresh?.unexpected, 10, 'the 500s');
      assert.equal(s.kinds.fresh?.securityFailures, 0);
      assert.equal(s.totals.status['5xx'], 10);
      assert.ok(Math.abs(s.totals.rates.unexpected - 20 / 30) < 1e-9);
    } finally {
      await server.close();
    }
  });

  it('classifies timeouts, records their latency and keeps the server answering', async () => {
    const server = await startTestServer((req, res) => {
      if (req.url === '/hang') return; // never answers
      res.end('ok');
    });
    try {
      let n = 0;
      const result = await runLoad({
        target: server.url,
        phases: [{ type: 'burst', count: 6 }],
        source: () => ({ path: n++ % 2 === 0 ? '/hang' : '/' }),
        timeout: '200ms',
        connections: 6,
      });
      const t = result.summary.totals;
      assert.equal(t.errors.timeout, 3);
      assert.equal(t.status['2xx'], 3);
      assert.equal(t.unexpected, 3);
      assert.ok(
        t.latency.corrected.max >= 190,
        `timeouts recorded at ≥ the timeout: ${t.latency.corrected.max}`,
      );
    } finally {
      await server.close();
    }
  });

  it('counts refused connections as errors without recording their latency', async () => {
    const server = await startTestServer();
    const url = server.url;
    await server.close();
    const result = await runLoad({ target: url, phases: [{ type: 'burst', count: 5 }], connections: 5 });
    const t = result.summary.totals;
    assert.equal(t.errors.refused, 5);
    assert.equal(t.unexpected, 5);
    assert.equal(t.latency.corrected.count, 0);
  });
});
