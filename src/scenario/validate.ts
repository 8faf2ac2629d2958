/**
 * Scenario validation: every problem of every scenario, located by a dotted path
 * (`scenarios[2].timeline[0].at: "soon" is not a duration`), unknown keys rejected. Shapes are
 * checked with zod; SLO expressions and fault specs by their own modules, so one message style
 * covers them all.
 */
import { z } from 'zod';
import type { Problem } from '../errors.ts';
import { checkFaultSpec, registerBuiltinFaultKinds } from '../faults/index.ts';
import { checkJourneys } from '../journeys/validate.ts';
import { checkSlos, SUT_CAPABILITIES } from '../slo/definition.ts';
import { tryParseDuration } from '../util/duration.ts';
import { dedupeProblems, zodProblems } from '../util/problems.ts';
import { MISROTATION_KINDS } from '../../mock-idp/keys/misrotations.ts';
import { TOKEN_SHAPES } from '../../mock-idp/tokens/mint.ts';
import { isTokenState, TOKEN_STATES } from '../load/outcome.ts';

registerBuiltinFaultKinds();

const duration = z.union([z.string(), z.number()]).refine((v) => tryParseDuration(v) !== undefined, {
  message: 'must be a duration (e.g. 250ms, 5s, 1m30s)',
});
const issuer = z.string().min(1).optional();

const requestKind = z.strictObject({
  // A pooled token's state is a tag of its own on each request (`{kind:fresh}` means a fresh
  // token): an entry named after one would mix its requests into that tag.
  kind: z
    .string()
    .min(1)
    .max(64)
    .refine((k) => !isTokenState(k), {
      message: `names a token state (${TOKEN_STATES.join(', ')}): every request carrying a pooled token is already tagged with its state; name the entry after what it sends (e.g. 'valid')`,
    }),
  share: z.number().positive(),
  issuer,
  token: z.enum(['pool', 'pool-reused', 'none', ...TOKEN_SHAPES]).optional(),
  route: z.string().min(1).optional(),
  headers: z.enum(['ok', 'omit', 'mismatch']).optional(),
  expect: z.array(z.number().int().min(100).max(599)).min(1).optional(),
  requires: z.array(z.enum(SUT_CAPABILITIES)).optional(),
});
const mix = z.array(requestKind).min(1).max(64);

const phase = z.strictObject({
  name: z.string().min(1).max(100),
  rate: z.number().positive().max(100_000).optional(),
  rampTo: z.number().nonnegative().max(100_000).optional(),
  vus: z.number().int().min(1).max(10_000).optional(),
  burst: z.number().int().min(1).max(100_000).optional(),
  pause: z.literal(true).optional(),
  duration: duration.optional(),
  maxRequests: z.number().int().min(1).optional(),
  mix: mix.optional(),
});

const action = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('rotate-keys'),
    issuer,
    publishAhead: duration.optional(),
    retireAfter: duration.optional(),
    revokeAfter: duration.optional(),
  }),
  z.strictObject({
    kind: z.literal('misrotate'),
    issuer,
    rotation: z.enum(MISROTATION_KINDS),
    options: z.record(z.string(), z.unknown()).optional(),
  }),
  z.strictObject({ kind: z.literal('publish-next-key'), issuer }),
  z.strictObject({ kind: z.literal('activate-next-key'), issuer }),
  z.strictObject({ kind: z.literal('revoke-active-key'), issuer }),
  z.strictObject({ kind: z.literal('force-refresh') }),
  z.strictObject({
    kind: z.literal('expire-tokens'),
    mode: z.enum(['aligned', 'jittered']),
    within: duration.optional(),
  }),
  z.strictObject({ kind: z.literal('restart-sut'), replica: z.number().int().min(0).optional() }),
  z.strictObject({ kind: z.literal('check-ready'), expect: z.boolean(), within: duration.optional() }),
  z.strictObject({ kind: z.literal('set-clock'), issuer, offset: z.union([z.string(), z.number()]) }),
  z.strictObject({ kind: z.literal('set-claims'), issuer, claims: z.record(z.string(), z.unknown()) }),
  z.strictObject({ kind: z.literal('mark'), name: z.string().min(1) }),
]);

const timelineAction = z.strictObject({ at: duration, action });
// The fault itself is checked by the fault registry (its own attributes, every problem).
const timelineFault = z.strictObject({ from: duration, to: duration.optional(), fault: z.unknown() });
const ACTION_KINDS = action.options.map((o) => o.shape.kind.value);

/**
 * Problems of one timeline entry. Which of the two shapes it means is read from its keys, so a
 * mistake is reported against that shape (`action.kind: must be one of …`), not as "neither".
 */
function timelineItemProblems(item: unknown, path: string): Problem[] {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return [{ path, message: 'must be { at, action } or { from, to, fault }' }];
  }
  const isFault = 'fault' in item || 'from' in item;
  const isAction = 'action' in item || 'at' in item;
  if (isFault === isAction) {
    return [
      {
        path,
        message: isFault
          ? 'give either { at, action } or { from, to, fault }, not keys of both'
          : 'must be { at, action } or { from, to, fault }',
      },
    ];
  }
  if (isFault) return parseProblems(timelineFault, item, path);
  const kind = (item as { action?: { kind?: unknown } }).action?.kind;
  if (typeof kind === 'string' && !ACTION_KINDS.includes(kind as never)) {
    return [{ path: `${path}.action.kind`, message: unknownName('action', kind, ACTION_KINDS) }];
  }
  return parseProblems(timelineAction, item, path);
}

function parseProblems(schema: z.ZodType, value: unknown, path: string): Problem[] {
  const parsed = schema.safeParse(value, { reportInput: true });
  return parsed.success ? [] : zodProblems(parsed.error, { prefix: path });
}

const scenarioShape = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lower-case letters, digits, dots, dashes'),
  hypothesis: z.string().min(1),
  covers: z.array(z.string().regex(/^FM\d+$/, 'must name a failure mode like FM12')).optional(),
  tags: z.array(z.string().min(1)).optional(),
  replicas: z.number().int().min(1).max(32).optional(),
  waitForReady: z.boolean().optional(),
  beforeStart: z.array(timelineFault).optional(),
  load: z.strictObject({
    connections: z.number().int().min(1).max(10_000).optional(),
    phases: z.array(phase).min(1).max(100),
    mix: mix.optional(),
  }),
  // Each entry is checked by timelineItemProblems.
  timeline: z.array(z.unknown()).optional(),
  // Checked like SLOs below (metric, threshold, window), plus the premise in words.
  expectAlerts: z.record(z.string().min(1), z.strictObject({ within: duration })).optional(),
  silentAlerts: z.array(z.string().min(1)).optional(),
  // Checked by the journeys module (spec files exist, `every` is a duration), every problem listed.
  journeys: z.unknown().optional(),
  preconditions: z
    .array(z.looseObject({ premise: z.string().min(1, 'say what must have happened, in words') }))
    .optional(),
  slos: z.array(z.unknown()).min(1, 'a scenario needs at least one SLO'),
});

export interface ScenarioCheckOptions {
  /** Issuer names of the run: actions, mixes and network-fault targets must name one of them. */
  issuers: readonly string[];
  /** Route names of the SUT's request templates. */
  routes: readonly string[];
}

/** Validates one scenario; returns every problem instead of throwing. */
export function checkScenario(input: unknown, path: string, options: ScenarioCheckOptions): Problem[] {
  // Shape problems and cross-field problems are reported together: the checks below read the
  // raw input defensively, so one run of `keystorm run` lists every mistake.
  const problems: Problem[] = parseProblems(scenarioShape, input, path);
  if (typeof input !== 'object' || input === null) return problems;
  const scenario = input as Loose;
  const at = (sub: string): string => `${path}.${sub}`;
  const phases = arrayOf(scenario.load?.phases);
  if (Array.isArray(scenario.timeline)) {
    scenario.timeline.forEach((item: unknown, i) =>
      problems.push(...timelineItemProblems(item, at(`timeline[${i}]`))),
    );
  }

  // Phase names are SLO windows (`during:<phase>`): two with one name would make one ambiguous.
  const firstPhase = new Map<unknown, number>();
  phases.forEach((p, i) => {
    if (typeof p.name !== 'string') return;
    const first = firstPhase.get(p.name);
    if (first === undefined) firstPhase.set(p.name, i);
    else
      problems.push({
        path: at(`load.phases[${i}].name`),
        message: `duplicate phase name ${JSON.stringify(p.name)} (also load.phases[${first}])`,
      });
  });

  phases.forEach((p, i) => {
    const kinds = [p.rate, p.vus, p.burst, p.pause].filter((v) => v !== undefined).length;
    if (kinds !== 1) {
      problems.push({
        path: at(`load.phases[${i}]`),
        message: 'give exactly one of rate, vus, burst or pause',
      });
    }
    if (p.burst === undefined && p.duration === undefined) {
      problems.push({
        path: at(`load.phases[${i}].duration`),
        message: 'required for rate, vus and pause phases',
      });
    }
    if (p.rampTo !== undefined && p.rate === undefined) {
      problems.push({ path: at(`load.phases[${i}].rampTo`), message: 'only with rate' });
    }
  });
  const checkMix = (entries: unknown, where: string): void => {
    arrayOf(entries).forEach((entry, i) => {
      if (typeof entry.issuer === 'string' && !options.issuers.includes(entry.issuer)) {
        problems.push({
          path: at(`${where}[${i}].issuer`),
          message: unknownName('issuer', entry.issuer, options.issuers),
        });
      }
      if (typeof entry.route === 'string' && !options.routes.includes(entry.route)) {
        problems.push({
          path: at(`${where}[${i}].route`),
          message: unknownName('route', entry.route, options.routes),
        });
      }
    });
  };
  checkMix(scenario.load?.mix, 'load.mix');
  phases.forEach((p, i) => checkMix(p.mix, `load.phases[${i}].mix`));

  const faultNames: string[] = [];
  const checkFaults = (items: unknown, where: string): void => {
    arrayOf(items).forEach((item, i) => {
      if (!('fault' in item)) return;
      const result = checkFaultSpec(item.fault, {
        path: at(`${where}[${i}].fault`),
        ctx: { proxyAliases: options.issuers, hasIdp: true },
      });
      problems.push(...result.problems);
      const name = (item.fault as { name?: unknown } | null)?.name;
      if (typeof name !== 'string') {
        problems.push({
          path: at(`${where}[${i}].fault.name`),
          message: 'required: the fault name is its SLO window',
        });
      } else if (faultNames.includes(name)) {
        problems.push({
          path: at(`${where}[${i}].fault.name`),
          message: `duplicate fault name ${JSON.stringify(name)}`,
        });
      } else faultNames.push(name);
      const fromMs = durationOf(item.from);
      const toMs = durationOf(item.to);
      if (fromMs !== undefined && toMs !== undefined && toMs <= fromMs) {
        problems.push({ path: at(`${where}[${i}].to`), message: 'must be after from' });
      }
    });
  };
  checkFaults(scenario.beforeStart, 'beforeStart');
  checkFaults(scenario.timeline, 'timeline');

  arrayOf(scenario.timeline).forEach((item, i) => {
    const issuer = (item.action as { issuer?: unknown } | undefined)?.issuer;
    if (typeof issuer === 'string' && !options.issuers.includes(issuer)) {
      problems.push({
        path: at(`timeline[${i}].action.issuer`),
        message: unknownName('issuer', issuer, options.issuers),
      });
    }
  });

  const phaseNames = phases.flatMap((p) => (typeof p.name === 'string' ? [p.name] : []));
  if (Array.isArray(scenario.slos)) {
    const { problems: sloProblems } = checkSlos(scenario.slos, {
      path: at('slos'),
      windowNames: [...phaseNames, ...faultNames],
    });
    problems.push(...sloProblems);
  }
  if (scenario.journeys !== undefined)
    problems.push(...checkJourneys(scenario.journeys, { path: at('journeys') }));
  if (Array.isArray(scenario.preconditions)) {
    const { problems: premiseProblems } = checkSlos(
      scenario.preconditions.map((p: unknown) => {
        if (typeof p !== 'object' || p === null) return p;
        const { premise: _premise, ...slo } = p as Record<string, unknown>;
        return slo;
      }),
      { path: at('preconditions'), windowNames: [...phaseNames, ...faultNames] },
    );
    problems.push(...premiseProblems);
  }
  return dedupeProblems(problems);
}

/** The raw input as the defensive checks read it. */
type LooseItem = Record<string, unknown> & {
  rate?: unknown;
  vus?: unknown;
  burst?: unknown;
  pause?: unknown;
  duration?: unknown;
  rampTo?: unknown;
  mix?: unknown;
  name?: unknown;
  issuer?: unknown;
  route?: unknown;
  fault?: unknown;
  from?: unknown;
  to?: unknown;
  action?: unknown;
};
interface Loose {
  load?: { phases?: unknown; mix?: unknown };
  beforeStart?: unknown;
  timeline?: unknown;
  slos?: unknown;
  preconditions?: unknown;
  journeys?: unknown;
}

function arrayOf(value: unknown): LooseItem[] {
  if (!Array.isArray(value)) return [];
  return value.map((v) => (typeof v === 'object' && v !== null ? (v as LooseItem) : {}));
}

function durationOf(value: unknown): number | undefined {
  return typeof value === 'string' || typeof value === 'number' ? tryParseDuration(value) : undefined;
}

function unknownName(what: string, name: string, known: readonly string[]): string {
  return `unknown ${what} ${JSON.stringify(name)}; known: ${known.join(', ') || '(none)'}`;
}
