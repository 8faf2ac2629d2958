import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSloOverrides, effectiveSlos, sloName } from '../../src/config/slo-overrides.ts';
import type { FullSlosConfig } from '../../src/config/types.ts';
import { resolveSlos } from '../../src/slo/definition.ts';
import stampede from '../../scenarios/cache-stampede.ts';

const PEAK = 'jwks_peak_concurrency max<=2 @ run';
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
        'cache-stampede': { [PEAK]: { strict: false }, 'status_401_rate rate<0.001 @ run': false },
      },
    });
    const resolved = resolveSlos(slos);
    assert.deepEqual(
      resolved.map((s) => [s.name, s.thresholds.map((t) => t.source).join(','), s.strict]),
      [
        [PEAK, 'max<=5', false],
        ['unexpected_rate rate<0.01 @ run', 'rate<0.01', true],
        ['request_duration p(95)<3000 @ during:rotated-burst', 'p(95)<3000', true],
        ['served', 'count>10', false],
      ],
    );
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
