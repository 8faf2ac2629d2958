import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveSlos } from '../../src/slo/definition.ts';
import type { SloInput } from '../../src/slo/definition.ts';
import { evaluateSlos, summarizeResults } from '../../src/slo/evaluate.ts';
import type { SloResult } from '../../src/slo/evaluate.ts';
import { createMemorySource } from '../../src/slo/memory-source.ts';
import type { MemorySource } from '../../src/slo/memory-source.ts';
import { standardTimeline } from '../../src/slo/window.ts';

const timeline = standardTimeline({
  runEndMs: 30_000,
  faults: [{ name: 'jwks-outage', fromMs: 10_000, toMs: 20_000 }],
});

/** Latencies 1..100 ms during the baseline, 1000 ms during the outage, 10 ms in recovery. */
function sampleRun(): MemorySource {
  const source = createMemorySource();
  for (let i = 1; i <= 100; i++) {
    source.record('request_duration', i, i * 50, { kind: i % 2 === 0 ? 'fresh' : 'expiring' });
    source.record('status_401_rate', false, i * 50);
  }
  for (let i = 0; i < 50; i++) {
    source.record('request_duration', 1000, 10_000 + i * 100, { kind: 'fresh' });
    source.record('status_401_rate', i < 5, 10_000 + i * 100);
  }
  for (let i = 0; i < 50; i++) source.record('request_duration', 10, 20_000 + i * 100, { kind: 'fresh' });
  for (let s = 0; s < 30; s++) {
    source.record('jwks_fetches', s >= 10 && s < 20 ? 3 : 0, s * 1000);
    source.record('security_failures', 0, s * 1000);
  }
  source.record('jwks_peak_concurrency', 1, 5000);
  source.record('jwks_peak_concurrency', 7, 12_000);
  source.record('jwks_peak_concurrency', 2, 15_000);
  source.record('log_matches', 1, 14_000, { pattern: 'Old JWKS re-cached' });
  return source;
}

function evaluate(inputs: SloInput[], source: MemorySource = sampleRun()): SloResult[] {
  return evaluateSlos(resolveSlos(inputs), source, timeline);
}

function one(input: SloInput, source?: MemorySource): SloResult {
  const [result] = evaluate([input], source);
  assert.ok(result);
  return result;
}

describe('SLO evaluation', () => {
  it('computes every trend aggregation over its window', () => {
    const base = { metric: 'request_duration', window: 'baseline' } as const;
    assert.equal(one({ ...base, threshold: 'avg<100' }).observed, 50.5);
    assert.equal(one({ ...base, threshold: 'min<100' }).observed, 1);
    assert.equal(one({ ...base, threshold: 'max<100' }).observed, 100);
    assert.equal(one({ ...base, threshold: 'med<100' }).observed, 50.5);
    assert.equal(one({ ...base, threshold: 'p(95)<100' }).observed, 95.05);
    assert.ok(Math.abs((one({ ...base, threshold: 'p(99.9)<100' }).observed ?? 0) - 99.901) < 1e-9);
    const outage = one({ metric: 'request_duration', threshold: 'p(95)<500', window: 'during:jwks-outage' });
    assert.equal(outage.status, 'fail');
    assert.equal(outage.observed, 1000);
    assert.equal(outage.samples, 50);
    assert.equal(outage.fromMs, 10_000);
    assert.equal(outage.toMs, 20_000);
    assert.match(outage.message ?? '', /p\(95\) was 1000, needed < 500/);
  });

  it('filters by tags', () => {
    const fresh = one({ metric: 'request_duration{kind:fresh}', threshold: 'max<100', window: 'baseline' });
    assert.equal(fresh.samples, 50);
    assert.equal(fresh.observed, 100);
    const expiring = one({
      metric: 'request_duration{kind:expiring}',
      threshold: 'max<100',
      window: 'baseline',
    });
    assert.equal(expiring.observed, 99);
    assert.equal(expiring.status, 'pass');
  });

  it('computes rates, counter counts and per-second rates, and gauge readings', () => {
    const rate = one({ metric: 'status_401_rate', threshold: 'rate<0.1%', window: 'during:jwks-outage' });
    assert.equal(rate.observed, 0.1);
    assert.equal(rate.status, 'fail');
    assert.equal(one({ metric: 'status_401_rate', threshold: 'rate==0', window: 'baseline' }).status, 'pass');
    const fetches = one({ metric: 'jwks_fetches', threshold: 'count<=10', window: 'during:jwks-outage' });
    assert.equal(fetches.observed, 30);
    assert.equal(fetches.samples, 10);
    assert.equal(fetches.status, 'fail');
    assert.equal(
      one({ metric: 'jwks_fetches', threshold: 'rate<=3', window: 'during:jwks-outage' }).observed,
      3,
    );
    assert.equal(one({ metric: 'jwks_fetches', threshold: 'count==0', window: 'baseline' }).status, 'pass');
    assert.equal(one({ metric: 'jwks_peak_concurrency', threshold: 'max<=1' }).observed, 7);
    assert.equal(one({ metric: 'jwks_peak_concurrency', threshold: 'min>=1' }).observed, 1);
    assert.equal(one({ metric: 'jwks_peak_concurrency', threshold: 'value<=2' }).observed, 2);
    const logs = one({ metric: 'log_matches{pattern:"Old JWKS re-cached"}', threshold: 'count>=1' });
    assert.equal(logs.status, 'pass');
    assert.equal(logs.metric, 'log_matches{pattern:"Old JWKS re-cached"}');
  });

  it('reads per-instance fetches as the busiest instance over the window', () => {
    const source = sampleRun();
    for (let s = 0; s < 30; s++) {
      source.record('jwks_fetches_per_instance', s >= 10 && s < 20 ? 1 : 0, s * 1000, {
        instance: 'replica-1',
      });
      source.record('jwks_fetches_per_instance', s === 12 ? 1 : 0, s * 1000, { instance: 'replica-2' });
    }
    const outage = one(
      { metric: 'jwks_fetches_per_instance', threshold: 'max<=1', window: 'during:jwks-outage' },
      source,
    );
    assert.equal(outage.observed, 10);
    assert.equal(outage.status, 'fail');
    assert.equal(
      one({ metric: 'jwks_fetches_per_instance', threshold: 'min<=1', window: 'during:jwks-outage' }, source)
        .observed,
      1,
    );
    assert.equal(
      one({ metric: 'jwks_fetches_per_instance', threshold: 'value==0', window: 'baseline' }, source).status,
      'pass',
    );
  });

  it('judges every operator against the observed value', () => {
    const cases: [string, boolean][] = [
      ['count<30', false],
      ['count<=30', true],
      ['count>30', false],
      ['count>=30', true],
      ['count==30', true],
      ['count!=30', false],
    ];
    for (const [threshold, pass] of cases) {
      const r = one({ metric: 'jwks_fetches', threshold, window: 'during:jwks-outage' });
      assert.equal(r.status, pass ? 'pass' : 'fail', threshold);
    }
  });

  it('fails a threshold with zero samples unless it opts out', () => {
    const empty = one({ metric: 'request_duration{kind:refreshed}', threshold: 'p(95)<500' });
    assert.equal(empty.status, 'fail');
    assert.equal(empty.samples, 0);
    assert.equal(empty.observed, null);
    assert.equal(empty.noSamples, true);
    assert.match(empty.message ?? '', /no samples .*allowNoSamples/);
    const allowed = one({
      metric: 'request_duration{kind:refreshed}',
      threshold: 'p(95)<500',
      allowNoSamples: true,
    });
    assert.equal(allowed.status, 'pass');
    assert.equal(allowed.noSamples, true);
    // A counter that was never watched has no samples either (k6#4283).
    assert.equal(one({ metric: 'unknown_kid_fetches', threshold: 'count==0' }).status, 'fail');
    // …but one that was watched and saw nothing passes.
    assert.equal(one({ metric: 'security_failures', threshold: 'count==0' }).status, 'pass');
  });

  it('reports warn-only breaches as warnings that do not fail the run', () => {
    const results = evaluate([
      { metric: 'request_duration', threshold: 'p(95)<500', window: 'during:jwks-outage', strict: false },
      { metric: 'request_duration', threshold: 'p(95)<500', window: 'baseline' },
      { metric: 'request_duration{kind:none}', threshold: 'p(95)<500', strict: false },
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['warn', 'pass', 'warn'],
    );
    assert.deepEqual(summarizeResults(results), { pass: 1, fail: 0, warn: 2, 'n/a': 0, ok: true });
    const failing = evaluate([{ metric: 'request_duration', threshold: 'p(95)<500' }]);
    assert.equal(summarizeResults(failing).ok, false);
  });

  it('gives one result per threshold, each with its own verdict', () => {
    const results = evaluate([
      {
        name: 'latency',
        metric: 'request_duration',
        thresholds: ['p(50)<60', 'p(99)<=1000', 'p(99)<1000'],
        window: 'run',
      },
    ]);
    assert.deepEqual(
      results.map((r) => [r.name, r.expression, r.status]),
      [
        ['latency', 'p(50)<60', 'pass'],
        ['latency', 'p(99)<=1000', 'pass'],
        ['latency', 'p(99)<1000', 'fail'],
      ],
    );
    assert.notEqual(results[0]?.id, results[1]?.id);
  });

  it('fails an SLO whose window is not on the timeline, saying why', () => {
    const r = one({ metric: 'requests', threshold: 'count>0', window: 'during:never-happened' });
    assert.equal(r.status, 'fail');
    assert.equal(r.fromMs, null);
    assert.match(r.message ?? '', /no fault or phase named 'never-happened'/);
  });

  it('evaluates explicit intervals relative to the scenario start', () => {
    const r = one({ metric: 'request_duration', threshold: 'max<=10', window: { from: '20s', to: '25s' } });
    assert.equal(r.samples, 50);
    assert.equal(r.observed, 10);
    assert.equal(r.status, 'pass');
    assert.equal(r.window, '20.0s..25.0s');
  });
});
