import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HarnessError, ValidationError } from '../../src/errors.ts';
import { runLoad, startLoad } from '../../src/load/index.ts';
import { after, startTestServer } from './servers.ts';

describe('bounds, budget and cancellation', () => {
  it('counts dropped and late starts when the in-flight budget is exhausted', async () => {
    // 100 starts/s for 1 s against 300 ms responses: at most 5 requests may be in flight, and
    // only 2 connections exist, so 3 of them wait for a connection (late) and most starts are
    // dropped.
    const server = await startTestServer(after(300));
    try {
      const result = await runLoad({
        target: server.url,
        phases: [{ type: 'constant-arrival', rate: 100, duration: '1s' }],
        connections: 2,
        maxInFlight: 5,
      });
      const s = result.summary;
      const phase = s.phases[0];
      assert.ok(phase);
      assert.equal(phase.scheduled, 100);
      assert.equal(phase.dropped + s.totals.started, 100);
      assert.ok(s.totals.dropped >= 70, `dropped ${s.totals.dropped}`);
      assert.equal(s.totals.dropped, phase.dropped);
      assert.ok(s.totals.late >= 3, `late ${s.totals.late}`);
      assert.ok(s.peakInFlight <= 5);
      assert.ok(server.maxConcurrent <= 2);
      assert.equal(
        s.series.reduce((n, p) => n + p.dropped, 0),
        s.totals.dropped,
      );
    } finally {
      await server.close();
    }
  });

  it('ends a phase at its count cap and at its duration, whichever comes first', async () => {
    const server = await startTestServer();
    try {
      const started = performance.now();
      const result = await runLoad({
        target: server.url,
        phases: [
          { type: 'constant-arrival', rate: 500, duration: '1h', maxRequests: 50 },
          { type: 'closed', vus: 3, duration: '1h', maxRequests: 30 },
          { type: 'closed', vus: 2, duration: '300ms' },
        ],
      });
      const [a, b, c] = result.summary.phases;
      assert.equal(a?.endedBy, 'count');
      assert.equal(a?.scheduled, 50);
      assert.equal(b?.endedBy, 'count');
      assert.equal(b?.scheduled, 30);
      assert.equal(c?.endedBy, 'time');
      assert.ok(
        c !== undefined && c.endMs - c.startMs < 600,
        `time-bounded phase took ${c ? c.endMs - c.startMs : NaN}ms`,
      );
      assert.ok(performance.now() - started < 5000);
    } finally {
      await server.close();
    }
  });

  it('stops quickly on abort and aborts requests that do not finish in the grace period', async () => {
    const server = await startTestServer(() => {}); // never answers
    try {
      const controller = new AbortController();
      const run = startLoad({
        target: server.url,
        phases: [{ type: 'constant-arrival', rate: 100, duration: '30s' }],
        signal: controller.signal,
        abortGrace: '200ms',
        timeout: '60s',
      });
      setTimeout(() => controller.abort(), 300);
      const abortedAt = performance.now() + 300;
      const result = await run.done;
      const tookAfterAbort = performance.now() - abortedAt;
      const s = result.summary;
      assert.equal(s.aborted, true);
      assert.equal(s.phases[0]?.endedBy, 'abort');
      assert.ok(tookAfterAbort < 1500, `finished ${tookAfterAbort.toFixed(0)}ms after the abort`);
      const scheduled = s.phases[0]?.scheduled ?? 0;
      assert.ok(scheduled >= 15 && scheduled <= 60, `scheduled ${scheduled}`);
      // 10 connections: 10 requests went on the wire, the rest waited for a connection.
      assert.equal(s.totals.started, 10);
      assert.equal(s.totals.errors.aborted, scheduled, 'every request ended as aborted');
      assert.equal(s.totals.requests, scheduled);
    } finally {
      await server.close();
    }
  });

  it('does not start at all when the signal is already aborted', async () => {
    const server = await startTestServer();
    try {
      const result = await runLoad({
        target: server.url,
        phases: [{ type: 'constant-arrival', rate: 100, duration: '10s' }],
        signal: AbortSignal.abort(),
      });
      assert.equal(result.summary.totals.started, 0);
      assert.equal(server.arrivals.length, 0);
    } finally {
      await server.close();
    }
  });

  it('refuses a non-loopback target, and a request a source routes off loopback', async () => {
    assert.throws(
      () => startLoad({ target: 'http://example.com/', phases: [{ type: 'burst', count: 1 }] }),
      (error: unknown) => error instanceof HarnessError && error.code === 'ERR_NOT_LOOPBACK',
    );
    const server = await startTestServer();
    try {
      const result = await runLoad({
        target: server.url,
        phases: [{ type: 'burst', count: 3 }],
        source: () => ({ url: 'http://192.0.2.1/steal' }),
      });
      assert.equal(result.summary.sourceErrors.count, 3);
      assert.match(result.summary.sourceErrors.first ?? '', /192\.0\.2\.1/);
      assert.equal(result.summary.totals.started, 0);
      assert.equal(result.summary.kinds['source-error']?.errors.other, 3);
    } finally {
      await server.close();
    }
  });

  it('rejects invalid phases and options, naming every problem by path', () => {
    assert.throws(
      () =>
        startLoad({
          target: 'http://127.0.0.1:1/',
          phases: [
            { type: 'constant-arrival', rate: -1, duration: '5s' },
            { type: 'closed', vus: 0, duration: 'soon' },
            { type: 'burst', count: 10, surprise: true } as never,
          ],
          connections: 0,
          timeout: 'never',
        }),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        const paths = error.problems.map((p) => p.path);
        for (const path of [
          'phases[0].rate',
          'phases[1].vus',
          'phases[1].duration',
          'phases[2].surprise',
          'connections',
          'timeout',
        ]) {
          assert.ok(paths.includes(path), `${path} missing from ${paths.join(', ')}`);
        }
        return true;
      },
    );
  });
});
