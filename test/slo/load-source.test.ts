import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runLoad } from '../../src/load/engine.ts';
import type { LoadResult } from '../../src/load/result.ts';
import { resolveSlos } from '../../src/slo/definition.ts';
import type { SloInput } from '../../src/slo/definition.ts';
import { evaluateSlos } from '../../src/slo/evaluate.ts';
import type { SloResult } from '../../src/slo/evaluate.ts';
import { createLoadMetricSource } from '../../src/slo/load-source.ts';
import { createMemorySource } from '../../src/slo/memory-source.ts';
import { standardTimeline } from '../../src/slo/window.ts';

// A real load run against a loopback server with known answers, judged through the adapter.
describe('SLOs over a real load run', () => {
  let server: Server;
  let result: LoadResult;

  before(async () => {
    server = createServer((req, res) => {
      const status = req.url === '/deny' ? 401 : req.url === '/boom' ? 500 : 200;
      setTimeout(() => res.writeHead(status).end(), status === 200 ? 20 : 0);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    result = await runLoad({
      target: `http://127.0.0.1:${port}`,
      phases: [{ type: 'constant-arrival', rate: 100, duration: '2s' }],
      // Every tenth request is a negative case that expects 401, every tenth+1 hits a 500.
      source: (ctx) =>
        ctx.seq % 10 === 0
          ? { path: '/deny', kind: 'deny', expect: [401] }
          : ctx.seq % 10 === 1
            ? { path: '/boom', kind: 'boom' }
            : { path: '/ok', kind: 'ok' },
    });
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function judge(inputs: SloInput[]): SloResult[] {
    const extra = createMemorySource();
    for (let s = 0; s < 3; s++) extra.record('jwks_fetches', s === 1 ? 2 : 0, s * 1000);
    const source = createLoadMetricSource(result, { extra });
    return evaluateSlos(
      resolveSlos(inputs),
      source,
      standardTimeline({ runEndMs: result.summary.durationMs + 1000 }),
    );
  }

  it('reads status rates, unexpected rate and security failures from the run', () => {
    const total = result.summary.totals.requests;
    assert.ok(total >= 190 && total <= 210, `requests ${total}`);
    const [deny, all401, boom, unexpected, security, requests] = judge([
      { metric: 'status_401_rate{kind:deny}', threshold: 'rate==1' },
      { metric: 'status_401_rate', threshold: 'rate<0.2' },
      { metric: 'status_5xx_rate{kind:boom}', threshold: 'rate==1' },
      { metric: 'unexpected_rate', threshold: 'rate<0.05' },
      { metric: 'security_failures', threshold: 'count==0' },
      { metric: 'requests', threshold: 'count>0' },
    ]);
    assert.equal(deny?.status, 'pass');
    assert.equal(deny?.samples, result.summary.kinds.deny?.requests);
    assert.ok(Math.abs((all401?.observed ?? 0) - 0.1) < 0.01, `401 rate ${all401?.observed}`);
    assert.equal(boom?.status, 'pass');
    // The 500s were not expected, the 401s were: about 10 % unexpected, so rate<0.05 fails.
    assert.equal(unexpected?.status, 'fail');
    assert.ok(Math.abs((unexpected?.observed ?? 0) - 0.1) < 0.01, `unexpected ${unexpected?.observed}`);
    assert.equal(security?.status, 'pass');
    assert.equal(security?.samples, total);
    assert.equal(requests?.observed, total);
  });

  it('reads latency percentiles per kind, corrected and uncorrected', () => {
    // The server holds /ok for 20 ms, so no honest percentile of that kind is below it.
    const [ok, okRaw, deny, denyRaw] = judge([
      { metric: 'request_duration{kind:ok}', threshold: 'p(50)>=19' },
      { metric: 'request_duration_uncorrected{kind:ok}', threshold: 'med>=19' },
      { metric: 'request_duration{kind:deny}', threshold: 'max<10000' },
      { metric: 'request_duration_uncorrected{kind:deny}', threshold: 'max<10000' },
    ]);
    assert.equal(ok?.status, 'pass', ok?.message);
    assert.equal(okRaw?.status, 'pass', okRaw?.message);
    assert.equal(deny?.samples, result.summary.kinds.deny?.requests);
    // Corrected latency counts from the intended start, so it is never below the uncorrected one
    // (within the 2-significant-digit precision of the per-second histograms).
    assert.ok(
      (ok?.observed ?? 0) >= (okRaw?.observed ?? Infinity) * 0.98 - 1,
      `${ok?.observed} vs ${okRaw?.observed}`,
    );
    assert.ok(
      (deny?.observed ?? 0) >= (denyRaw?.observed ?? Infinity) * 0.98 - 1,
      `${deny?.observed} vs ${denyRaw?.observed}`,
    );
  });

  it('takes other metrics from the extra source, and gives no samples for unknown filters', () => {
    const [fetches, byPhase, concurrency] = judge([
      { metric: 'jwks_fetches', threshold: 'count<=2' },
      { metric: 'request_duration{phase:steady}', threshold: 'p(95)<1000' },
      { metric: 'jwks_peak_concurrency', threshold: 'max<=1' },
    ]);
    assert.equal(fetches?.observed, 2);
    assert.equal(fetches?.status, 'pass');
    assert.equal(byPhase?.samples, 0);
    assert.equal(byPhase?.status, 'fail');
    assert.equal(concurrency?.noSamples, true);
  });

  it('shifts windows by the time the load started within the scenario', () => {
    const source = createLoadMetricSource(result, { loadStartMs: 10_000 });
    const query = { metric: 'requests', tags: {}, fromMs: 0, toMs: 10_000 } as const;
    assert.equal(source.counter(query).samples, 0);
    assert.equal(
      source.counter({ ...query, fromMs: 10_000, toMs: 20_000 }).count,
      result.summary.totals.requests,
    );
  });
});
