import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILT_IN_SCENARIOS } from '../../scenarios/index.ts';
import { prepareScenarios, referencedIssuers } from '../../src/scenario/prepare.ts';
import { resolveScenarioTimings } from '../../src/scenario/resolve-timings.ts';
import { timingsOf } from '../../src/scenario/sut-profile.ts';
import { evaluateDuration, timingsFromProfile } from '../../src/scenario/timing.ts';
import type { ScenarioInput } from '../../src/scenario/define.ts';

const values = { ttl: 10_000, refreshAhead: 2_000, cooldown: 30_000, fetchTimeout: 5_000, clockTolerance: 0 };
const options = { issuers: ['gitlab', 'customersdot'], routes: ['default'] };

describe('durations that name SUT timings', () => {
  it('evaluates sums, factors, max and min over the timings', () => {
    assert.deepEqual(evaluateDuration('ttl + 8s', values), { ms: 18_000 });
    assert.deepEqual(evaluateDuration('max(2*cooldown, 3s) - 1s', values), { ms: 59_000 });
    assert.deepEqual(evaluateDuration('min(3s, 0.6*clockTolerance)', values), { ms: 0 });
    assert.deepEqual(evaluateDuration('2s + 4s + (cooldown + 1s)', values), { ms: 37_000 });
    assert.deepEqual(evaluateDuration('1m30s', values), { ms: 90_000 });
  });

  it('names the problem in a bad expression instead of guessing', () => {
    const unknown = evaluateDuration('tll + 8s', values);
    assert.ok('error' in unknown && /unknown name 'tll'/.test(unknown.error), JSON.stringify(unknown));
    const bare = evaluateDuration('ttl + 8', values);
    assert.ok('error' in bare && /needs a unit/.test(bare.error), JSON.stringify(bare));
  });

  it('turns the profile’s real timings into drill time, defaults named as such', () => {
    const timings = timingsFromProfile({ ttl: 600_000 }, 0.5);
    assert.equal(timings.ms.ttl, 1_200_000);
    assert.equal(timings.source.ttl, 'profile');
    assert.equal(timings.source.cooldown, 'default');
  });

  it('makes the outage outlast the SUT’s own TTL, whatever it is', () => {
    const outage = BUILT_IN_SCENARIOS.find((s) => s.name === 'jwks-outage-warm-cache') as ScenarioInput;
    for (const ttlMs of [5_000, 60_000]) {
      const { scenario, used } = resolveScenarioTimings(outage, timingsOf({ ttlMs }, 1), 'outage');
      const fault = scenario.timeline?.find((i) => 'fault' in i);
      assert.ok(fault !== undefined && 'fault' in fault);
      const length = Number(fault.to) - Number(String(fault.from).replace('s', '')) * 1000;
      assert.ok(length > ttlMs, `outage ${length} ms for a TTL of ${ttlMs} ms`);
      assert.ok(used.includes('ttl'));
    }
  });

  it('resolves fault attributes in real time, not drill time', () => {
    const stampede = BUILT_IN_SCENARIOS.find((s) => s.name === 'cache-stampede') as ScenarioInput;
    const { scenario } = resolveScenarioTimings(stampede, timingsOf({ fetchTimeoutMs: 5_000 }, 0.5), 's');
    const slow = scenario.beforeStart?.[0]?.fault.attributes as { ms: number };
    // 0.6 × the real 5 s deadline, within the 1.2–4 s band, whatever the time scale.
    assert.equal(slow.ms, 3_000);
  });
});

describe('preparing scenarios', () => {
  it('skips a scenario that needs an issuer the config lacks, saying which', () => {
    const prepared = prepareScenarios(BUILT_IN_SCENARIOS, {
      issuers: ['gitlab'],
      routes: ['default'],
      timings: timingsOf(undefined, 1),
    });
    const partial = prepared.find((p) => p.scenario.name === 'partial-outage');
    assert.match(partial?.skip ?? '', /needs issuer customersdot/);
    assert.equal(prepared.find((p) => p.scenario.name === 'baseline')?.skip, undefined);
    assert.deepEqual(referencedIssuers({ mix: [{ issuer: 'a' }], timeline: [{ action: { issuer: 'b' } }] }), [
      'a',
      'b',
    ]);
  });

  it('skips a drill that would outlast the budget at this SUT’s timings instead of squeezing it', () => {
    const prepared = prepareScenarios(BUILT_IN_SCENARIOS, {
      ...options,
      timings: timingsOf({ ttlMs: 600_000 }, 1),
    });
    const outage = prepared.find((p) => p.scenario.name === 'jwks-outage-warm-cache');
    assert.match(outage?.skip ?? '', /over the 10m00s budget/);
    assert.match(outage?.skip ?? '', /ttl 10m00s/);
    assert.equal(prepared.find((p) => p.scenario.name === 'auth-edge-cases')?.skip, undefined);
  });

  it('lists every bad expression of every scenario in one pass, by path', () => {
    const broken = (name: string, at: string): ScenarioInput => ({
      name,
      hypothesis: 'h',
      load: { phases: [{ name: 'p', rate: 1, duration: '1s' }] },
      timeline: [{ at, action: { kind: 'force-refresh' } }],
      slos: [{ metric: 'requests', threshold: 'count>0' }],
    });
    assert.throws(
      () =>
        prepareScenarios([broken('a', 'ttl +'), broken('b', 'cooldwn')], {
          ...options,
          timings: timingsOf(undefined, 1),
        }),
      (error: Error & { problems?: { path: string }[] }) =>
        error.problems?.map((p) => p.path).join(' ') ===
        'scenarios[0](a).timeline[0].at scenarios[1](b).timeline[0].at',
    );
  });
});
