import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  checkJourneys,
  createJourneyMetricSource,
  journeyName,
  resolveSpec,
  withJourneyMetrics,
} from '../../src/journeys/index.ts';
import type { JourneySample } from '../../src/journeys/index.ts';
import { createMemorySource } from '../../src/slo/index.ts';

describe('journeys input', () => {
  it('accepts a spec that exists with a sensible interval', () => {
    assert.deepEqual(checkJourneys([{ spec: 'scenarios/browser/ask-answer.spec.ts', every: '10s' }]), []);
  });

  it('lists every problem by path in one pass', () => {
    const problems = checkJourneys([
      { spec: 'scenarios/browser/missing.spec.ts', every: '10s' },
      { spec: 'scenarios/browser/ask-answer.spec.ts', every: '100ms' },
      { spec: 'scenarios/browser/ask-answer.spec.ts', every: 'often' },
    ]);
    assert.deepEqual(
      problems.map((p) => p.path),
      ['journeys[0].spec', 'journeys[1].every', 'journeys[2].every', 'journeys[2].name'],
    );
  });

  it('names unknown fields and wrong types', () => {
    const problems = checkJourneys([{ spec: 3, every: '10s', often: true }]);
    assert.ok(problems.some((p) => p.path === 'journeys[0].spec'));
    assert.ok(problems.some((p) => p.path === 'journeys[0]' && /often/.test(p.message)));
  });

  it('finds the built-in specs from any working directory', () => {
    assert.deepEqual(
      checkJourneys([{ spec: 'scenarios/browser/ask-answer.spec.ts', every: '10s' }], { cwd: tmpdir() }),
      [],
    );
    assert.equal(
      resolveSpec('scenarios/browser/ask-answer.spec.ts', tmpdir()),
      fileURLToPath(new URL('../../scenarios/browser/ask-answer.spec.ts', import.meta.url)),
    );
  });

  it('names a journey after its spec file unless it has a name', () => {
    assert.equal(journeyName({ spec: 'a/b/ask-answer.spec.ts' }), 'ask-answer');
    assert.equal(journeyName({ spec: 'a/b/ask-answer.spec.ts', name: 'chat' }), 'chat');
  });
});

describe('journey metric source', () => {
  const samples: JourneySample[] = [
    { journey: 'chat', atMs: 1000, durationMs: 4000, outcome: 'passed' },
    {
      journey: 'chat',
      atMs: 11_000,
      durationMs: 9000,
      outcome: 'failed',
      failure: 'answer replaced by error',
    },
    { journey: 'login', atMs: 12_000, durationMs: 2000, outcome: 'passed' },
  ];
  const source = withJourneyMetrics(
    createMemorySource(),
    createJourneyMetricSource(() => samples),
  );
  const q = (metric: 'journey_success_rate' | 'journey_duration', tags = {}, fromMs = 0, toMs = 60_000) => ({
    metric,
    tags,
    fromMs,
    toMs,
  });

  it('counts passed runs out of all runs, per journey and per window', () => {
    assert.deepEqual(source.rate(q('journey_success_rate')), { samples: 3, matches: 2 });
    assert.deepEqual(source.rate(q('journey_success_rate', { journey: 'chat' })), { samples: 2, matches: 1 });
    assert.deepEqual(source.rate(q('journey_success_rate', {}, 10_000, 60_000)), { samples: 2, matches: 1 });
  });

  it('gives run durations as a trend', () => {
    const trend = source.trend(q('journey_duration', { journey: 'chat' }));
    assert.equal(trend.samples, 2);
    assert.equal(trend.max, 9000);
    assert.equal(trend.percentile(50), 6500);
  });

  it('leaves other metrics to the scenario source', () => {
    assert.equal(source.rate({ metric: 'status_401_rate', tags: {}, fromMs: 0, toMs: 60_000 }).samples, 0);
  });
});
