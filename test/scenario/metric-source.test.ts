import assert from 'node:assert/strict';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { before, describe, it } from 'node:test';
import { runLoad } from '../../src/load/index.ts';
import type { LoadOptions, LoadResult } from '../../src/load/index.ts';
import { requestOnlySource } from './request-only-source.ts';
import { RequestLog } from '../../src/scenario/request-log.ts';

/** The scenario source over a load run alone (no provider, log or recovery data). */
function sourceOver(run: { result: LoadResult; log: RequestLog }) {
  return requestOnlySource(run.log, (from, to) => run.result.window(from, to).counts().dropped);
}

/** Starts a loopback server with `handler` and runs a load at it, logging every request. */
async function loadAgainst(
  handler: RequestListener,
  options: Omit<LoadOptions, 'target'>,
): Promise<{ result: LoadResult; log: RequestLog }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const log = new RequestLog();
  try {
    const { port } = server.address() as AddressInfo;
    const result = await runLoad({
      ...options,
      target: `http://127.0.0.1:${port}/`,
      onRequest: (r) => log.add(r),
    });
    return { result, log };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('scenario metric source: windows by due time', () => {
  let run: { result: LoadResult; log: RequestLog };
  before(async () => {
    // Requests due in the first 400 ms are held for 1.2 s (a black hole that is then lifted);
    // requests due between 400 and 700 ms get 401; later ones 200 at once.
    const t0 = performance.now();
    run = await loadAgainst(
      (_req, res) => {
        const at = performance.now() - t0;
        if (at < 400) setTimeout(() => res.end('late'), 1200);
        else if (at < 700) res.writeHead(401).end();
        else res.end('ok');
      },
      { phases: [{ type: 'constant-arrival', name: 'steady', rate: 50, duration: 1500 }], connections: 40 },
    );
  });

  it('counts a request held past the end of its window in the window it was due in', () => {
    const held = sourceOver(run).trend({ metric: 'request_duration', tags: {}, fromMs: 0, toMs: 300 });
    assert.ok(held.samples >= 10, `samples ${held.samples}`);
    // Every one of them ended after the window closed, and its latency shows it.
    assert.ok(held.percentile(50) >= 1000, `p50 ${held.percentile(50)} ms`);
  });

  it('sees failures in a window that starts and ends mid-second', () => {
    const rate = sourceOver(run).rate({ metric: 'status_401_rate', tags: {}, fromMs: 450, toMs: 650 });
    assert.ok(rate.samples >= 5, `samples ${rate.samples}`);
    assert.equal(rate.matches, rate.samples, 'every request due in [450, 650) ms got a 401');
  });

  it('keeps the requests due after a window out of it', () => {
    const rate = sourceOver(run).rate({ metric: 'status_401_rate', tags: {}, fromMs: 800, toMs: 1500 });
    assert.ok(rate.samples >= 20, `samples ${rate.samples}`);
    assert.equal(rate.matches, 0);
  });
});

describe('scenario metric source: rates', () => {
  // Every third request is reset before an answer, every third is a 401, the rest 200.
  let n = 0;
  const handler: RequestListener = (req, res) => {
    const i = n++ % 3;
    if (i === 0) req.socket.destroy();
    else res.writeHead(i === 1 ? 401 : 200).end();
  };
  let run: { result: LoadResult; log: RequestLog };
  before(async () => {
    run = await loadAgainst(handler, {
      phases: [{ type: 'closed', vus: 1, maxRequests: 30, duration: 5000 }],
      connections: 1,
    });
  });

  it('are shares of requests, transport errors included, as in `keystorm load` and its summary', () => {
    const source = sourceOver(run);
    const { result } = run;
    const totals = result.summary.totals;
    assert.equal(totals.requests, 30);
    assert.ok(totals.errors.total > 0 && totals.status['401'] > 0, JSON.stringify(totals.errors));
    const window = { tags: {}, fromMs: 0, toMs: result.summary.durationMs + 1 };
    const rate401 = source.rate({ metric: 'status_401_rate', ...window });
    assert.deepEqual(rate401, { samples: 30, matches: totals.status['401'] });
    assert.equal(rate401.matches / rate401.samples, totals.rates['401']);
    assert.deepEqual(source.rate({ metric: 'error_rate', ...window }), {
      samples: 30,
      matches: totals.errors.total,
    });
  });
});
