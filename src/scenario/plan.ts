/**
 * Everything about a scenario that can be decided before it plays, as plain data: the engine's
 * phases in run time, the SLOs and premises to judge (interval windows scaled to run time), the
 * request mix per phase with kinds the SUT cannot be judged on left out, and which SLOs are not
 * applicable to this SUT and why. Pure, so it is unit-tested without starting anything.
 */
import type { PhaseInput as EnginePhase } from '../load/phases.ts';
import { resolveSlos } from '../slo/definition.ts';
import type { Slo, SutCapability } from '../slo/definition.ts';
import { formatWindow } from '../slo/window.ts';
import type { WindowSpec } from '../slo/window.ts';
import { parseDuration } from '../util/duration.ts';
import type { PhaseInput, RequestKindInput, ScenarioInput } from './define.ts';
import { isFaultItem } from './define.ts';

/** Valid pooled tokens only; each request is also tagged with its token's state (`fresh` …). */
const DEFAULT_MIX: readonly RequestKindInput[] = [{ kind: 'valid', share: 1 }];

export interface PlanOptions {
  /** Drill time × timeScale = run time. */
  timeScale: number;
  /** Policies the SUT enforces (from its profile). */
  capabilities: ReadonlySet<SutCapability>;
  /** Log patterns the config defines (`log_matches{pattern:…}` needs one of these). */
  logPatternNames: readonly string[];
}

export interface ScenarioPlan {
  scenario: ScenarioInput;
  timeScale: number;
  /** Drill ms → run ms. */
  scale: (ms: number) => number;
  phases: EnginePhase[];
  /** Mix per engine phase. */
  phaseMixes: (readonly RequestKindInput[])[];
  /** Request kinds left out because the SUT lacks what they test, with the reason. */
  omittedKinds: { kind: string; reason: string }[];
  slos: Slo[];
  /** SLO name → why it is not judged against this SUT. */
  notApplicable: ReadonlyMap<string, string>;
  /** Premises, as SLOs; `premise` text by SLO name. */
  preconditions: Slo[];
  premises: ReadonlyMap<string, string>;
  /** Run ms of the scenario's first fault or action (the baseline ends there); 0 with beforeStart faults. */
  firstEventMs: number | undefined;
}

/** Plans a validated scenario (durations already plain: timing expressions resolved). */
export function planScenario(scenario: ScenarioInput, options: PlanOptions): ScenarioPlan {
  const scale = (ms: number): number => ms * options.timeScale;
  const windowNames = [
    ...scenario.load.phases.map((p) => p.name),
    ...[...(scenario.beforeStart ?? []), ...(scenario.timeline ?? []).filter(isFaultItem)].map(
      (f) => f.fault.name,
    ),
  ];
  const slos = scaleIntervalWindows(
    resolveSlos(scenario.slos, { path: `${scenario.name}.slos`, windowNames }),
    options.timeScale,
  );
  const preconditionInputs = scenario.preconditions ?? [];
  const preconditions = scaleIntervalWindows(
    resolveSlos(
      preconditionInputs.map((p, i) => ({
        name: `premise ${i + 1}: ${p.premise}`,
        metric: p.metric,
        threshold: p.threshold,
        ...(p.window === undefined ? {} : { window: p.window }),
      })),
      { path: `${scenario.name}.preconditions`, windowNames },
    ),
    options.timeScale,
  );
  const premises = new Map(
    preconditions.map((slo, i) => [slo.name, preconditionInputs[i]?.premise ?? slo.name]),
  );
  const { phaseMixes, omittedKinds } = applicableMixes(scenario, options.capabilities);
  return {
    scenario,
    timeScale: options.timeScale,
    scale,
    phases: toEnginePhases(scenario.load.phases, scale),
    phaseMixes,
    omittedKinds,
    slos,
    notApplicable: notApplicableSlos(slos, options, omittedKinds),
    preconditions,
    premises,
    firstEventMs: firstEventMs(scenario, scale),
  };
}

/** Our phase shape → the engine's, in run time. */
export function toEnginePhases(phases: readonly PhaseInput[], scale: (ms: number) => number): EnginePhase[] {
  return phases.map((p): EnginePhase => {
    const duration =
      p.duration === undefined
        ? undefined
        : Math.max(1, Math.round(scale(parseDuration(p.duration, 'duration'))));
    const cap = p.maxRequests === undefined ? {} : { maxRequests: p.maxRequests };
    if (p.burst !== undefined)
      return { type: 'burst', name: p.name, count: p.burst, ...(duration === undefined ? {} : { duration }) };
    if (p.pause === true) return { type: 'pause', name: p.name, duration: duration ?? 1000 };
    if (p.vus !== undefined)
      return { type: 'closed', name: p.name, vus: p.vus, duration: duration ?? 1000, ...cap };
    if (p.rampTo !== undefined) {
      return {
        type: 'ramping-arrival',
        name: p.name,
        startRate: p.rate ?? 0,
        stages: [{ target: p.rampTo, duration: duration ?? 1000 }],
        ...cap,
      };
    }
    return { type: 'constant-arrival', name: p.name, rate: p.rate ?? 1, duration: duration ?? 1000, ...cap };
  });
}

/**
 * Interval windows are written in drill time; the run plays at timeScale. The window's label
 * (and a generated name that contains it) is rewritten too, so every time a report prints is
 * run time — one time base, with the scale stated once per run.
 */
export function scaleIntervalWindows(slos: Slo[], timeScale: number): Slo[] {
  if (timeScale === 1) return slos;
  return slos.map((slo) => {
    if (slo.window.type !== 'interval') return slo;
    const window: WindowSpec = {
      type: 'interval',
      fromMs: slo.window.fromMs * timeScale,
      ...(slo.window.toMs === undefined ? {} : { toMs: slo.window.toMs * timeScale }),
    };
    const windowText = formatWindow(window);
    const suffix = ` @ ${slo.windowText}`;
    const name = slo.name.endsWith(suffix)
      ? `${slo.name.slice(0, -suffix.length)} @ ${windowText}`
      : slo.name;
    return { ...slo, name, window, windowText };
  });
}

/**
 * When the scenario first changes anything (a fault or an action), in run time: the baseline
 * ends there. 0 when a fault was applied before the SUT started (no baseline then).
 */
export function firstEventMs(scenario: ScenarioInput, scale: (ms: number) => number): number | undefined {
  if ((scenario.beforeStart ?? []).length > 0) return 0;
  const offsets = (scenario.timeline ?? []).map((item) =>
    scale(parseDuration(isFaultItem(item) ? item.from : item.at, 'offset')),
  );
  return offsets.length === 0 ? undefined : Math.min(...offsets);
}

/** Each phase's mix without the kinds that test a policy the SUT does not have. */
function applicableMixes(
  scenario: ScenarioInput,
  capabilities: ReadonlySet<SutCapability>,
): { phaseMixes: (readonly RequestKindInput[])[]; omittedKinds: { kind: string; reason: string }[] } {
  const omitted = new Map<string, string>();
  const phaseMixes = scenario.load.phases.map((p) => {
    const mix = p.mix ?? scenario.load.mix ?? DEFAULT_MIX;
    const kept = mix.filter((k) => {
      const missing = (k.requires ?? []).filter((c) => !capabilities.has(c));
      if (missing.length > 0) omitted.set(k.kind, `the SUT profile does not declare ${missing.join(', ')}`);
      return missing.length === 0;
    });
    return kept.length > 0 ? kept : DEFAULT_MIX;
  });
  return { phaseMixes, omittedKinds: [...omitted].map(([kind, reason]) => ({ kind, reason })) };
}

/** SLOs that cannot mean anything against this SUT or config, with the reason for the report. */
function notApplicableSlos(
  slos: readonly Slo[],
  options: PlanOptions,
  omittedKinds: readonly { kind: string; reason: string }[],
): Map<string, string> {
  const out = new Map<string, string>();
  for (const slo of slos) {
    const missing = slo.requires.filter((c) => !options.capabilities.has(c));
    if (missing.length > 0) {
      out.set(slo.name, `not applicable: the SUT profile does not declare ${missing.join(', ')}`);
      continue;
    }
    const pattern = slo.metric.name === 'log_matches' ? slo.metric.tags.pattern : undefined;
    if (pattern !== undefined && !options.logPatternNames.includes(pattern)) {
      out.set(slo.name, `not applicable: the config defines no log pattern '${pattern}' (sut.logPatterns)`);
      continue;
    }
    const kind = slo.metric.tags.kind;
    const dropped = omittedKinds.find((k) => k.kind === kind);
    if (dropped !== undefined)
      out.set(slo.name, `not applicable: request kind '${kind}' not sent (${dropped.reason})`);
  }
  return out;
}
