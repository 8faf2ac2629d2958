import assert from 'node:assert/strict';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { before, describe, it } from 'node:test';
import { runLoad } from '../../src/load/index.ts';
import type { LoadOptions, LoadResult } from '../../src/load/index.ts';
import { createScenarioMetricSource, wholeSecondsWithin } from '../../src/scenario/metric-source.ts';

/** The scenario source over a load run alone (no provider, log or recovery data). */
function sourceOver(result: LoadResult) {
  return createScenarioMetricSource({
    loadWindow: (from, to) => result.window(from, to),
    idpSeconds: [],
    logMatches: () => 0,
    readinessMismatches: [],
    recoverySeries: [],
    baseline: undefined,
    timeScale: 1,
  });
}

/** Starts a loopback server with `handler` and runs a load at it. */
async function loadAgainst(
  handler: RequestListener,
  options: Omit<LoadOptions, 'target'>,
): Promise<LoadResult> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await runLoad({ ...options, target: `http://127.0.0.1:${port}/` });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('scenario metric source: load windows', () => {
  let result: LoadResult;
  before(async () => {
    // A burst released late in the first second, then a second of steady traffic.
    result = await loadAgainst((_req, res) => res.end('ok'), {
      phases: [
        { type: 'pause', name: 'quiet', duration: 800 },
        { type: 'burst', name: 'burst', count: 20, duration: 1400 },
        { type: 'constant-arrival', name: 'steady', rate: 20, duration: 1000 },
      ],
      connections: 20,
    });
  });

  const source = () => sourceOver(result);

  it('narrows windows to the whole seconds inside them', () => {
    assert.deepEqual(wholeSecondsWithin(6003, 12_500), { fromMs: 7000, toMs: 12_000 });
    assert.deepEqual(wholeSecondsWithin(800, 1200), { fromMs: 800, toMs: 1200 });
  });

  it('reads a burst that sits wholly in a partial first second rather than reporting no samples', () => {
    const burst = result.summary.phases.find((p) => p.name === 'burst');
    assert.ok(burst !== undefined && burst.startMs < 1000, `burst started at ${String(burst?.startMs)}`);
    // The phase's own window: its whole inside second (1 s to 2 s) holds none of its requests.
    const query = { metric: 'request_duration' as const, tags: {}, fromMs: burst.startMs, toMs: burst.endMs };
    const trend = source().trend(query);
    assert.ok(trend.samples >= 20, `samples ${trend.samples}`);
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
  let result: LoadResult;
  before(async () => {
    result = await loadAgainst(handler, {
      phases: [{ type: 'closed', vus: 1, maxRequests: 30, duration: 5000 }],
      connections: 1,
    });
  });

  it('are shares of requests, transport errors included, as in `keystorm load` and its summary', () => {
    const source = sourceOver(result);
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
