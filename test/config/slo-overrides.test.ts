import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSloOverrides, effectiveSlos, sloName } from '../../src/config/slo-overrides.ts';
import type { FullSlosConfig } from '../../src/config/types.ts';
import { resolveSlos } from '../../src/slo/definition.ts';
import stampede from '../../scenarios/cache-stampede.ts';

const PEAK = 'jwks_peak_concurrency max<=2 @ during:cold-burst';
const COLD_401 = 'status_401_rate rate<0.001 @ during:cold-burst';
const none: FullSlosConfig = { extra: [], override: {} };

describe('effectiveSlos', () => {
  it('returns the scenario SLOs untouched when the config has no slos section', () => {
    assert.deepEqual(effectiveSlos('cache-stampede', stampede.slos, none), stampede.slos);
  });

  it('appends slos.extra and applies * before the scenario entry, keeping the SLO name', () => {
    const slos = effectiveSlos('cache-stampede', stampede.slos, {
      extra: [{ name: 'served', metric: 'requests', threshold: 'count>10' }],
      override: {
        '*': { [PEAK]: { threshold: 'max<=5' }, served: { strict: false } },
        'cache-stampede': { [PEAK]: { strict: false }, [COLD_401]: false },
      },
    });
    const resolved = resolveSlos(slos);
    const byName = new Map(resolved.map((s) => [s.name, s]));
    assert.equal(resolved.length, stampede.slos.length, 'one dropped, one added');
    assert.deepEqual(
      [byName.get(PEAK)?.thresholds.map((t) => t.source), byName.get(PEAK)?.strict],
      [['max<=5'], false],
    );
    assert.equal(byName.has(COLD_401), false);
    assert.deepEqual([byName.get('served')?.strict, resolved.at(-1)?.name], [false, 'served']);
    const untouched = resolved.filter((s) => s.name !== PEAK && s.name !== 'served');
    assert.ok(untouched.length > 0 && untouched.every((s) => s.strict));
  });

  it('replaces thresholds with threshold (and back) instead of giving both', () => {
    const [slo] = effectiveSlos('x', [{ metric: 'request_duration', thresholds: ['p(95)<1', 'p(99)<2'] }], {
      extra: [],
      override: { x: { 'request_duration p(95)<1, p(99)<2 @ run': { threshold: 'p(95)<9' } } },
    });
    assert.deepEqual(slo, {
      metric: 'request_duration',
      name: 'request_duration p(95)<1, p(99)<2 @ run',
      threshold: 'p(95)<9',
    });
  });
});

describe('checkSloOverrides', () => {
  const scenarios = [{ name: stampede.name, slos: stampede.slos }];

  it('names an override of an unknown scenario or SLO by its path', () => {
    assert.deepEqual(
      checkSloOverrides(
        {
          extra: [{ name: 'served', metric: 'requests', threshold: 'count>10' }],
          override: {
            'cache-stampde': { [PEAK]: false },
            'cache-stampede': { 'jwks_peak_concurrency max<=1 @ run': false, served: false },
            '*': { nope: false },
          },
        },
        scenarios,
      ).map((p) => `${p.path}: ${p.message.replace(/; SLO names: .*/, '')}`),
      [
        `slos.override.cache-stampde: no scenario named 'cache-stampde' (did you mean 'cache-stampede'?); use a scenario name or '*'`,
        `slos.override.cache-stampede["jwks_peak_concurrency max<=1 @ run"]: no SLO named 'jwks_peak_concurrency max<=1 @ run' in 'cache-stampede'`,
        `slos.override["*"].nope: no SLO named 'nope' in any scenario`,
      ],
    );
  });

  it('accepts overrides of every SLO a scenario has', () => {
    const override = Object.fromEntries(stampede.slos.map((s) => [sloName(s) ?? '', false as const]));
    assert.deepEqual(
      checkSloOverrides({ extra: [], override: { 'cache-stampede': override } }, scenarios),
      [],
    );
  });
});
