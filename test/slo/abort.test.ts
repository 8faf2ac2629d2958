import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAbortMonitor } from '../../src/slo/abort.ts';
import { resolveSlos } from '../../src/slo/definition.ts';
import { createMemorySource } from '../../src/slo/memory-source.ts';
import { standardTimeline } from '../../src/slo/window.ts';
import type { TimelineSpan } from '../../src/slo/window.ts';

describe('abort on fail', () => {
  it('trips only after the delay since the window opened, on data lived so far', () => {
    const source = createMemorySource();
    const slos = resolveSlos([
      { metric: 'status_401_rate', threshold: 'rate<0.05', abortOnFail: true, delayAbortEval: '5s' },
    ]);
    const monitor = createAbortMonitor(slos, source, standardTimeline({}));
    assert.equal(monitor.idle, false);
    // Every request from 0 to 3 s is a 401: bad, but the delay has not passed.
    for (let t = 0; t < 3000; t += 100) source.record('status_401_rate', true, t);
    assert.equal(monitor.checkAbort(3000), undefined);
    assert.equal(monitor.checkAbort(4999), undefined);
    const trip = monitor.checkAbort(5000);
    assert.ok(trip);
    assert.equal(trip.atMs, 5000);
    assert.equal(trip.result.observed, 1);
    assert.equal(trip.result.toMs, 5000);
    assert.equal(trip.slo.name, slos[0]?.name);
    // Once tripped, it stays tripped with the same verdict.
    assert.equal(monitor.checkAbort(6000), trip);
    assert.equal(monitor.tripped, trip);
  });

  it('does not trip while the SLO holds, and never on missing data', () => {
    const source = createMemorySource();
    const slos = resolveSlos([
      { metric: 'request_duration', threshold: 'p(95)<100', abortOnFail: true },
      { metric: 'request_duration{kind:refreshed}', threshold: 'p(95)<100', abortOnFail: true },
    ]);
    const monitor = createAbortMonitor(slos, source, standardTimeline({}));
    for (let t = 0; t < 10_000; t += 10) source.record('request_duration', 20, t, { kind: 'fresh' });
    for (let now = 1000; now <= 10_000; now += 1000) assert.equal(monitor.checkAbort(now), undefined);
    // A breach arrives at 10 s: the next check trips.
    for (let t = 10_000; t < 12_000; t += 10) source.record('request_duration', 900, t, { kind: 'fresh' });
    assert.equal(monitor.checkAbort(12_000)?.slo.name, slos[0]?.name);
  });

  it('ignores warn-only SLOs and SLOs without abortOnFail', () => {
    const source = createMemorySource();
    source.record('security_failures', 3, 100);
    const slos = resolveSlos([{ metric: 'security_failures', threshold: 'count==0' }]);
    const monitor = createAbortMonitor(slos, source, standardTimeline({}));
    assert.equal(monitor.idle, true);
    assert.equal(monitor.checkAbort(1000), undefined);
  });

  it('judges a during-fault window from when the fault starts, reading the timeline as it grows', () => {
    const source = createMemorySource();
    const spans: TimelineSpan[] = [{ name: 'run', kind: 'run', fromMs: 0 }];
    const slos = resolveSlos([
      {
        metric: 'status_5xx_rate',
        threshold: 'rate<0.5',
        window: 'during:jwks-outage',
        abortOnFail: true,
        delayAbortEval: '2s',
      },
    ]);
    const monitor = createAbortMonitor(slos, source, () => spans);
    // 5xx before the fault do not count against a during-fault SLO.
    for (let t = 0; t < 10_000; t += 100) source.record('status_5xx_rate', true, t);
    assert.equal(monitor.checkAbort(10_000), undefined, 'the fault has not started');
    spans.push({ name: 'jwks-outage', kind: 'fault', fromMs: 10_000 });
    for (let t = 10_000; t < 13_000; t += 100) source.record('status_5xx_rate', t >= 11_000, t);
    assert.equal(monitor.checkAbort(11_500), undefined, 'within the delay');
    // At 12 s: one good and one bad second since the fault started, so the rate is 0.5.
    const trip = monitor.checkAbort(12_000);
    assert.ok(trip);
    assert.equal(trip.result.fromMs, 10_000);
    assert.equal(trip.result.observed, 0.5);
    assert.equal(trip.result.samples, 20);
  });
});
