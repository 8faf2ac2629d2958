/**
 * The opt-in drills (alert verification, browser journeys): valid scenarios, never picked by a
 * pattern (the default suite must run without promtool or Chromium), played when named, and
 * long enough at keystorm's own time scale (0.5) for the shipped drill-scale rules they judge:
 * a drill too short for its rules would only ever report "could not have fired".
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readAlertRules, shippedRuleFiles } from '../../src/alerts/index.ts';
import { resolveScenarioTimings } from '../../src/scenario/resolve-timings.ts';
import { selectScenarios } from '../../src/scenario/select.ts';
import { timingsOf } from '../../src/scenario/sut-profile.ts';
import { checkScenario } from '../../src/scenario/validate.ts';
import type { ScenarioInput } from '../../src/scenario/define.ts';
import { BUILT_IN_SCENARIOS, findBuiltIn, OPT_IN_SCENARIOS } from '../../scenarios/index.ts';

const TIME_SCALE = 0.5;
const options = { issuers: ['gitlab', 'customersdot'], routes: ['default'] };

/** The scenario with its timings resolved for the example gateway's profile (TTL 10 s drill time). */
function resolved(name: string): ScenarioInput {
  const raw = findBuiltIn(name);
  assert.ok(raw !== undefined, name);
  const { scenario, problems } = resolveScenarioTimings(raw, timingsOf({ ttlMs: 10_000 }, 1), name);
  assert.deepEqual(problems, [], name);
  return scenario;
}

/** Real-time ms of a drill-time duration already resolved to ms or a plain `Ns` string. */
function realMs(duration: unknown): number {
  const ms = typeof duration === 'number' ? duration : Number(String(duration).replace(/s$/, '')) * 1000;
  return ms * TIME_SCALE;
}

describe('opt-in drills', () => {
  it('are valid scenarios with names of their own', () => {
    const names = [...BUILT_IN_SCENARIOS, ...OPT_IN_SCENARIOS].map((s) => s.name);
    assert.equal(new Set(names).size, names.length);
    for (const { name } of OPT_IN_SCENARIOS) {
      assert.deepEqual(checkScenario(resolved(name), name, options), [], name);
    }
  });

  it('are left out of the default suite and of every pattern, and played when named', async () => {
    const optIn = new Set(OPT_IN_SCENARIOS.map((s) => s.name));
    const nameOf = (s: unknown): string => (s as ScenarioInput).name;
    for (const pattern of ['*', '*-*', 'alert-*', '*journey']) {
      const picked = await selectScenarios([{ kind: 'builtin', pattern: pattern }]).catch(() => []);
      assert.deepEqual(
        picked.map(nameOf).filter((n) => optIn.has(n)),
        [],
        pattern,
      );
    }
    const named = await selectScenarios([...optIn].map((pattern) => ({ kind: 'builtin' as const, pattern })));
    assert.deepEqual(named.map(nameOf), [...optIn]);
  });

  it('are played by their tag on the default selection (run --tag alerts)', async () => {
    const all = [{ kind: 'builtin' as const, pattern: '*' }];
    const nameOf = (s: unknown): string => (s as ScenarioInput).name;
    const alerts = await selectScenarios(all, 'scenarios', { tags: ['alerts'] });
    assert.deepEqual(alerts.map(nameOf), ['alert-detection', 'alert-silence']);
    const journeys = await selectScenarios(all, 'scenarios', { tags: ['journeys'] });
    assert.deepEqual(journeys.map(nameOf), ['jwks-outage-journey', 'cold-start-journey']);
    const canary = await selectScenarios(all, 'scenarios', { tags: ['canary'] });
    assert.ok(canary.map(nameOf).includes('baseline'));
    assert.ok(canary.every((s) => !OPT_IN_SCENARIOS.includes(s as ScenarioInput)));
  });

  it('record, at time scale 0.5, enough data for every shipped rule they judge', async () => {
    const rules = await readAlertRules(shippedRuleFiles('drill'));
    const required = (alert: string): number => {
      const r = rules.find((x) => x.alert === alert);
      assert.ok(r !== undefined, alert);
      return r.requiredMs;
    };
    const lengthMs = (s: ScenarioInput): number =>
      s.load.phases.reduce((sum, p) => sum + realMs((p as { duration?: unknown }).duration), 0);

    const detection = resolved('alert-detection');
    const fault = detection.timeline?.find((i) => 'fault' in i);
    assert.ok(fault !== undefined && 'fault' in fault);
    const afterFaultMs = lengthMs(detection) - realMs(fault.from);
    for (const [alert, { within }] of Object.entries(detection.expectAlerts ?? {})) {
      const withinMs = Number(within.replace(/s$/, '')) * 1000;
      assert.ok(required(alert) < withinMs, `${alert}: needs ${required(alert)} ms, allowed ${withinMs}`);
      assert.ok(withinMs <= afterFaultMs, `${alert}: ${withinMs} ms allowed, ${afterFaultMs} ms recorded`);
    }

    const silence = resolved('alert-silence');
    assert.deepEqual(
      [...(silence.silentAlerts ?? [])].sort(),
      [...new Set(rules.map((r) => r.alert))].sort(),
    );
    for (const alert of silence.silentAlerts ?? []) {
      assert.ok(required(alert) < lengthMs(silence), `${alert} needs ${required(alert)} ms`);
    }
  });
});
