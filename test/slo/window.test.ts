import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWindow, resolveWindow, standardTimeline } from '../../src/slo/window.ts';
import type { TimelineSpan, WindowSpec } from '../../src/slo/window.ts';

function spec(input: unknown): WindowSpec {
  const parsed = parseWindow(input);
  if ('error' in parsed) assert.fail(parsed.error);
  return parsed;
}

const timeline: TimelineSpan[] = standardTimeline({
  runEndMs: 60_000,
  phases: [{ name: 'steady', fromMs: 0, toMs: 60_000 }],
  faults: [
    { name: 'slow-jwks', fromMs: 10_000, toMs: 20_000 },
    { name: 'jwks-outage', fromMs: 25_000, toMs: 40_000 },
  ],
});

describe('SLO windows', () => {
  it('parses every form and rejects the rest with a reason', () => {
    assert.deepEqual(spec('baseline'), { type: 'baseline' });
    assert.deepEqual(spec('recovery'), { type: 'recovery' });
    assert.deepEqual(spec('run'), { type: 'run' });
    assert.deepEqual(spec('during:jwks-outage'), { type: 'during', name: 'jwks-outage' });
    assert.deepEqual(spec('10s..30s'), { type: 'interval', fromMs: 10_000, toMs: 30_000 });
    assert.deepEqual(spec('1m..'), { type: 'interval', fromMs: 60_000 });
    assert.deepEqual(spec({ from: 500, to: '2s' }), { type: 'interval', fromMs: 500, toMs: 2000 });
    assert.match(JSON.stringify(parseWindow('during:')), /needs a fault or phase name/);
    assert.match(JSON.stringify(parseWindow('30s..10s')), /must be after from/);
    assert.match(JSON.stringify(parseWindow('x..10s')), /from: \\"x\\" is not a duration/);
    assert.match(JSON.stringify(parseWindow({ from: '1s', until: '2s' })), /unknown key 'until'/);
    assert.match(JSON.stringify(parseWindow(7)), /must be a window/);
  });

  it('resolves baseline, faults, phases, recovery and the whole run against the timeline', () => {
    assert.deepEqual(resolveWindow(spec('baseline'), timeline), { fromMs: 0, toMs: 10_000 });
    assert.deepEqual(resolveWindow(spec('during:slow-jwks'), timeline), { fromMs: 10_000, toMs: 20_000 });
    assert.deepEqual(resolveWindow(spec('during:steady'), timeline), { fromMs: 0, toMs: 60_000 });
    assert.deepEqual(resolveWindow(spec('recovery'), timeline), { fromMs: 40_000, toMs: 60_000 });
    assert.deepEqual(resolveWindow(spec('run'), timeline), { fromMs: 0, toMs: 60_000 });
    assert.deepEqual(resolveWindow(spec('5s..'), timeline), { fromMs: 5000, toMs: 60_000 });
    assert.deepEqual(resolveWindow(spec('during:nope'), timeline), {
      error: `no fault or phase named 'nope' on the timeline`,
    });
  });

  it('clips windows to now during a live run, and closes open spans at now', () => {
    const live = standardTimeline({ faults: [{ name: 'jwks-outage', fromMs: 25_000 }] });
    assert.deepEqual(resolveWindow(spec('during:jwks-outage'), live, 31_000), {
      fromMs: 25_000,
      toMs: 31_000,
    });
    assert.deepEqual(resolveWindow(spec('baseline'), live, 31_000), { fromMs: 0, toMs: 25_000 });
    assert.deepEqual(resolveWindow(spec('run'), live, 31_000), { fromMs: 0, toMs: 31_000 });
    assert.deepEqual(resolveWindow(spec('recovery'), live, 31_000), {
      error: 'the timeline has no recovery window',
    });
    // A window that has not opened yet resolves to an empty interval.
    assert.deepEqual(resolveWindow(spec('50s..55s'), live, 31_000), { fromMs: 50_000, toMs: 50_000 });
  });

  it('derives baseline and recovery from the faults', () => {
    const names = timeline.map((s) => `${s.kind}:${s.name}:${s.fromMs}-${s.toMs}`);
    assert.ok(names.includes('baseline:baseline:0-10000'));
    assert.ok(names.includes('recovery:recovery:40000-60000'));
    const calm = standardTimeline({ runEndMs: 30_000 });
    assert.deepEqual(resolveWindow(spec('baseline'), calm), { fromMs: 0, toMs: 30_000 });
    assert.ok('error' in resolveWindow(spec('recovery'), calm));
  });
});
