import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runLoad } from '../../src/load/index.ts';
import type { RequestSample } from '../../src/load/index.ts';
import { createLoadMetricSource } from '../../src/slo/index.ts';
import { after, startTestServer } from './servers.ts';

describe('dropped starts are impossible to miss', () => {
  it('warns with the cap to raise, counts drops in dropped_rate and gives percentiles counting them', async () => {
    // 100 starts/s for 1 s against 300 ms answers with at most 5 in flight: most starts drop.
    const server = await startTestServer(after(300));
    const samples: RequestSample[] = [];
    try {
      const result = await runLoad({
        target: server.url,
        phases: [{ type: 'constant-arrival', rate: 100, duration: '1s' }],
        connections: 2,
        maxInFlight: 5,
        onRequest: (sample) => samples.push(sample),
      });
      const s = result.summary;
      assert.ok(s.totals.dropped >= 70, `dropped ${s.totals.dropped}`);
      // The warning names the count, the share and the knob.
      assert.equal(s.warnings.length, 1);
      assert.match(s.warnings[0] ?? '', new RegExp(`^${s.totals.dropped} of 100 scheduled starts`));
      assert.match(s.warnings[0] ?? '', /maxInFlight, --max-in-flight/);
      // onRequest keeps its contract: finished requests only, never drops.
      assert.equal(samples.length, s.totals.requests);
      // Drops counted as slower than any response: the median lies among them.
      const d = s.correctedCountingDrops;
      assert.ok(d !== undefined);
      assert.equal(d.dropped, s.totals.dropped);
      assert.equal(d.p50, null);
      // The SLO layer reads the same share of scheduled starts.
      const source = createLoadMetricSource(result);
      const rate = source.rate({ metric: 'dropped_rate', tags: {}, fromMs: 0, toMs: s.durationMs });
      assert.deepEqual(rate, { samples: 100, matches: s.totals.dropped });
    } finally {
      await server.close();
    }
  });

  it('has no warning and no drop percentiles when nothing was dropped', async () => {
    const server = await startTestServer();
    try {
      const { summary } = await runLoad({
        target: server.url,
        phases: [{ type: 'constant-arrival', rate: 50, duration: '400ms' }],
      });
      assert.equal(summary.totals.dropped, 0);
      assert.deepEqual(summary.warnings, []);
      assert.equal(summary.correctedCountingDrops, undefined);
    } finally {
      await server.close();
    }
  });
});

describe('warm-up', () => {
  it('opens every connection before the clock starts and keeps its requests out of the figures', async () => {
    const ports = new Set<number>();
    let firstTimedArrival = Infinity;
    const server = await startTestServer((req, res) => {
      ports.add(req.socket.remotePort ?? 0);
      if (req.url === '/timed') firstTimedArrival = Math.min(firstTimedArrival, performance.now());
      res.end('ok');
    });
    const samples: RequestSample[] = [];
    try {
      const result = await runLoad({
        target: server.url,
        phases: [{ type: 'constant-arrival', rate: 20, duration: '250ms' }],
        source: () => ({ path: '/timed' }),
        connections: 4,
        warmup: { path: '/warm' },
        onRequest: (sample) => samples.push(sample),
      });
      const s = result.summary;
      assert.deepEqual(
        s.warmup && [s.warmup.connections, s.warmup.requests, s.warmup.ok, s.warmup.failed],
        [4, 4, 4, 0],
      );
      assert.equal(ports.size, 4, 'all four connections were opened');
      // The warm-up went first, and none of it is in the run's figures or the observer's view.
      assert.equal(server.arrivals.length, 4 + s.totals.requests);
      assert.ok(server.arrivals.slice(0, 4).every((t) => t < firstTimedArrival));
      assert.equal(s.kinds.warmup, undefined);
      assert.equal(s.totals.requests, 5);
      assert.equal(samples.length, 5);
      assert.ok(samples.every((x) => x.kind === 'default'));
    } finally {
      await server.close();
    }
  });

  it('reports a warm-up that could not connect, and still runs', async () => {
    const gone = await startTestServer();
    const url = gone.url;
    await gone.close();
    const { summary } = await runLoad({
      target: url,
      phases: [{ type: 'constant-arrival', rate: 20, duration: '100ms' }],
      connections: 2,
      warmup: true,
    });
    assert.deepEqual(summary.warmup && [summary.warmup.ok, summary.warmup.failed], [0, 2]);
    assert.match(summary.warnings.join('\n'), /2 of 2 warm-up requests failed/);
    assert.equal(summary.totals.errors.refused, 2);
  });
});
