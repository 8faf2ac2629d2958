import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLoad } from '../../src/load/engine.ts';
import { createAbortMonitor } from '../../src/slo/abort.ts';
import type { AbortTrip } from '../../src/slo/abort.ts';
import { resolveSlos } from '../../src/slo/definition.ts';
import { createLoadMetricSource } from '../../src/slo/load-source.ts';
import { standardTimeline } from '../../src/slo/window.ts';

// A live run: the server starts failing after 1 s; the abort-on-fail SLO stops the run soon after.
describe('abort on fail during a real load run', () => {
  let server: Server;
  let url: string;
  let failFrom = Infinity;

  before(async () => {
    server = createServer((_req, res) => res.writeHead(Date.now() >= failFrom ? 503 : 200).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('stops the run once the SLO fails after its delay, and not before', async () => {
    const controller = new AbortController();
    const run = startLoad({
      target: url,
      phases: [{ type: 'constant-arrival', rate: 100, duration: '20s' }],
      signal: controller.signal,
    });
    failFrom = run.startedAt.getTime() + 1000;
    const slos = resolveSlos([
      {
        metric: 'status_5xx_rate',
        threshold: 'rate<0.2',
        window: '0s..',
        abortOnFail: true,
        delayAbortEval: '500ms',
      },
    ]);
    const monitor = createAbortMonitor(slos, createLoadMetricSource(run), standardTimeline({}));
    let trip: AbortTrip | undefined;
    // The runner's tick, bounded: 20 s at most.
    for (let i = 0; i < 200 && trip === undefined; i++) {
      await sleep(100);
      trip = monitor.checkAbort(run.elapsedMs());
    }
    controller.abort();
    const result = await run.done;
    assert.ok(trip, 'the SLO never tripped');
    // Failing started at 1 s; 20 % of the requests so far are 5xx by about 1.25 s.
    assert.ok(trip.atMs >= 1000, `tripped at ${trip.atMs} ms, before the server failed`);
    assert.ok(trip.atMs < 8000, `tripped only at ${trip.atMs} ms`);
    assert.ok((trip.result.observed ?? 0) >= 0.2);
    assert.equal(result.summary.aborted, true);
    assert.ok(result.summary.durationMs < 15_000, `ran ${result.summary.durationMs} ms`);
  });
});
