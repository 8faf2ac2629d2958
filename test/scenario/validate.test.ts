import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkScenario } from '../../src/scenario/validate.ts';
import { BUILT_IN_SCENARIOS } from '../../scenarios/index.ts';
import { toEnginePhases } from '../../src/scenario/plan.ts';
import { resolvePhases } from '../../src/load/phases.ts';
import { resolveScenarioTimings } from '../../src/scenario/resolve-timings.ts';
import { timingsOf } from '../../src/scenario/sut-profile.ts';

const options = { issuers: ['gitlab', 'customersdot'], routes: ['default'] };

describe('scenario validation', () => {
  it('accepts every built-in scenario once its SUT timings are resolved', () => {
    for (const raw of BUILT_IN_SCENARIOS) {
      const { scenario, problems } = resolveScenarioTimings(raw, timingsOf(undefined, 1), raw.name);
      assert.deepEqual(problems, [], raw.name);
      assert.deepEqual(checkScenario(scenario, scenario.name, options), [], scenario.name);
    }
  });

  it('gives the built-in suite unique names and a hypothesis each', () => {
    const names = BUILT_IN_SCENARIOS.map((s) => s.name);
    assert.equal(new Set(names).size, names.length);
    for (const s of BUILT_IN_SCENARIOS) assert.ok(s.hypothesis.length > 40, s.name);
  });

  it('lists every problem of a broken scenario by dotted path', () => {
    const problems = checkScenario(
      {
        name: 'broken',
        hypothesis: 'h',
        load: {
          phases: [
            { name: 'a', rate: 10 },
            { name: 'b', rate: 5, vus: 2, duration: '1s' },
          ],
          mix: [{ kind: 'x', share: 1, issuer: 'nope' }],
        },
        timeline: [
          { at: 'soon', action: { kind: 'force-refresh' } },
          {
            from: '2s',
            to: '1s',
            fault: { name: 'f', kind: 'latency', target: 'gitlab', attributes: { latency: 'slow' } },
          },
          { from: 0, fault: { name: 'g', kind: 'teleport' } },
        ],
        slos: [
          { metric: 'request_duration', threshold: 'p(95)<<500' },
          { metric: 'unexpected_rate', threshold: 'rate<0.1', window: 'during:nowhere' },
        ],
      },
      'scenarios[0]',
      options,
    );
    const paths = problems.map((p) => p.path);
    for (const expected of [
      'scenarios[0].load.phases[0].duration',
      'scenarios[0].load.phases[1]',
      'scenarios[0].load.mix[0].issuer',
      'scenarios[0].timeline[1].fault.attributes.latency',
      'scenarios[0].timeline[1].to',
      'scenarios[0].timeline[2].fault.kind',
      'scenarios[0].slos[0].threshold',
      'scenarios[0].slos[1].window',
    ]) {
      assert.ok(paths.includes(expected), `${expected} missing from ${JSON.stringify(problems, null, 1)}`);
    }
  });

  it('rejects unknown keys and a bad duration in the shape', () => {
    const problems = checkScenario(
      {
        name: 'x',
        hypothesis: 'h',
        load: { phases: [{ name: 'a', rate: 1, duration: 'soon' }] },
        slos: [{}],
        colour: 'red',
      },
      's',
      options,
    );
    assert.ok(
      problems.some((p) => p.path === 's.colour' && /unknown/.test(p.message)),
      JSON.stringify(problems),
    );
  });

  it('says precisely what is wrong with a timeline entry, instead of "Invalid input"', () => {
    const problems = checkScenario(
      {
        name: 'x',
        hypothesis: 'h',
        load: { phases: [{ name: 'a', rate: 1, duration: '1s' }] },
        timeline: [
          { at: '1s', action: { kind: 'rotate-keyz' } },
          { at: 'soon', action: { kind: 'mark' } },
          { at: '1s', action: { kind: 'expire-tokens', mode: 'sometimes' } },
          { at: '1s', from: '2s' },
          { foo: 1 },
          5,
        ],
        slos: [{ metric: 'requests', threshold: 'count>0' }],
      },
      's',
      options,
    );
    assert.deepEqual(
      problems.map((p) => `${p.path}: ${p.message.replace(/; known: .*/, '; known: …')}`),
      [
        's.timeline[0].action.kind: unknown action "rotate-keyz"; known: …',
        's.timeline[1].at: must be a duration (e.g. 250ms, 5s, 1m30s), got "soon"',
        's.timeline[1].action.name: is required',
        's.timeline[2].action.mode: must be one of "aligned", "jittered", got "sometimes"',
        's.timeline[3]: give either { at, action } or { from, to, fault }, not keys of both',
        's.timeline[4]: must be { at, action } or { from, to, fault }',
        's.timeline[5]: must be { at, action } or { from, to, fault }',
      ],
    );
    assert.ok(problems.every((p) => !/Invalid input/.test(p.message)));
  });

  it('rejects two phases with one name (a during: window would be ambiguous)', () => {
    const problems = checkScenario(
      {
        name: 'x',
        hypothesis: 'h',
        load: {
          phases: [
            { name: 'warm', rate: 1, duration: '1s' },
            { name: 'burst', burst: 5 },
            { name: 'warm', rate: 2, duration: '1s' },
          ],
        },
        slos: [{ metric: 'requests', threshold: 'count>0', window: 'during:warm' }],
      },
      's',
      options,
    );
    assert.deepEqual(problems, [
      { path: 's.load.phases[2].name', message: 'duplicate phase name "warm" (also load.phases[0])' },
    ]);
  });

  it('maps scenario phases onto engine phases the engine accepts, scaled', () => {
    for (const raw of BUILT_IN_SCENARIOS) {
      const { scenario } = resolveScenarioTimings(raw, timingsOf(undefined, 0.5), raw.name);
      const phases = toEnginePhases(scenario.load.phases, (ms) => ms * 0.5);
      assert.doesNotThrow(() => resolvePhases(phases), scenario.name);
    }
    const [phase] = toEnginePhases([{ name: 'p', rate: 10, duration: '4s' }], (ms) => ms * 0.5);
    assert.deepEqual(phase, { type: 'constant-arrival', name: 'p', rate: 10, duration: 2000 });
  });
});
