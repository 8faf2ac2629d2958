/**
 * Turns what a scenario observed into its verdict: first the premises (did the drill really do
 * what it claims: every fault and action took effect on time, and the scenario's own
 * preconditions held), then the SLOs (those the SUT profile makes not applicable are reported,
 * not judged). An unmet premise makes the scenario `inconclusive` whatever the SLOs say: a drill
 * whose fault the SUT never met proves nothing, and a breach it shows may have another cause.
 */
import type {
  PreconditionVerdict,
  ScenarioStatus,
  SloVerdict,
  TimelineEntry,
  WindowSpan,
} from '../result/types.ts';
import { evaluateSlos } from '../slo/evaluate.ts';
import type { SloResult } from '../slo/evaluate.ts';
import type { Slo } from '../slo/definition.ts';
import type { MetricSource } from '../slo/source.ts';
import type { TimelineSpan } from '../slo/window.ts';
import type { ScenarioPlan } from './plan.ts';

/** A timeline step that takes effect later than this after its offset makes the drill's timing unreliable. */
export const MAX_ACTION_LATENESS_MS = 500;

/** A provider reading lost now and then is tolerated; more than this share and the IdP figures are unreliable. */
const MAX_IDP_LOSS = 0.2;

export interface JudgeInput {
  plan: ScenarioPlan;
  source: MetricSource;
  windows: WindowSpan[] & TimelineSpan[];
  timeline: readonly TimelineEntry[];
  idp: { seconds: number; failures: number; error: string | undefined };
}

export interface Judgement {
  preconditions: PreconditionVerdict[];
  slos: SloVerdict[];
  /** `passed`, `failed` or `inconclusive`: errors and interruptions are decided by the caller. */
  status: Extract<ScenarioStatus, 'passed' | 'failed' | 'inconclusive'>;
}

export function judgeScenario(input: JudgeInput): Judgement {
  const preconditions = [
    ...implicitPremises(input),
    ...evaluateSlos(input.plan.preconditions, input.source, input.windows).map((r) =>
      premiseVerdict(r, input.plan),
    ),
  ];
  // An SLO the profile or config makes not applicable is never evaluated: its metric may not
  // exist for this SUT (a log pattern the config does not define would throw), and it is reported
  // n/a whatever it would have observed.
  const slos = input.plan.slos.flatMap((slo) =>
    input.plan.notApplicable.has(slo.name)
      ? notJudged(slo, input.plan.notApplicable.get(slo.name))
      : evaluateSlos([slo], input.source, input.windows).map((r) => sloVerdict(r, input.plan)),
  );
  const status = preconditions.some((p) => !p.met)
    ? 'inconclusive'
    : slos.some((v) => v.status === 'fail')
      ? 'failed'
      : 'passed';
  return { preconditions, slos, status };
}

/** Premises every scenario has: its timeline took effect, on time, and the provider was watched. */
export function implicitPremises(input: Pick<JudgeInput, 'timeline' | 'idp'>): PreconditionVerdict[] {
  const broken = input.timeline.filter((e) => !e.ok && isScheduledStep(e));
  const late = input.timeline.filter((e) => (e.lateMs ?? 0) > MAX_ACTION_LATENESS_MS);
  const worst = Math.max(0, ...input.timeline.map((e) => e.lateMs ?? 0));
  const lost =
    input.idp.seconds + input.idp.failures === 0
      ? 0
      : input.idp.failures / (input.idp.seconds + input.idp.failures);
  return [
    {
      id: 'premise: timeline applied',
      premise: 'every fault and action of the timeline took effect',
      met: broken.length === 0,
      observed: broken.length,
      ...(broken.length === 0
        ? {}
        : {
            message: broken
              .map((e) => `${e.what}${e.detail === undefined ? '' : `: ${e.detail}`}`)
              .join('; '),
          }),
    },
    {
      id: 'premise: timeline on time',
      premise: `every timeline step took effect within ${MAX_ACTION_LATENESS_MS} ms of its offset`,
      met: late.length === 0,
      observed: Math.round(worst),
      ...(late.length === 0
        ? {}
        : { message: late.map((e) => `${e.what} took effect ${e.lateMs ?? 0} ms late`).join('; ') }),
    },
    {
      id: 'premise: provider watched',
      premise: 'mock-idp was read every second (its fetch counts are complete)',
      met: lost <= MAX_IDP_LOSS,
      observed: input.idp.failures,
      ...(lost <= MAX_IDP_LOSS
        ? {}
        : {
            message: `${input.idp.failures} readings failed${input.idp.error === undefined ? '' : ` (${input.idp.error})`}`,
          }),
    },
  ];
}

/**
 * Entries that are steps of the drill: not reverts at the end, not an abort-on-fail trip, and not
 * a readiness check or a browser journey — a check that finds the SUT not ready, or a journey
 * that fails, is a finding about the SUT (judged by its own metrics), not a drill that failed
 * to happen.
 */
function isScheduledStep(entry: TimelineEntry): boolean {
  return (
    !entry.what.startsWith('aborted:') &&
    !entry.what.includes('revert failed') &&
    !entry.what.startsWith('check readiness') &&
    !entry.what.startsWith('journey ')
  );
}

function premiseVerdict(r: SloResult, plan: ScenarioPlan): PreconditionVerdict {
  const met = r.status === 'pass';
  const observed = r.observed === null ? null : Math.round(r.observed * 1000) / 1000;
  return {
    id: r.name,
    premise: plan.premises.get(r.name) ?? r.name,
    met,
    observed,
    ...(met
      ? {}
      : {
          message:
            r.message ??
            `${r.metric} ${r.expression} @ ${r.window} observed ${observed === null ? 'nothing' : String(observed)}`,
        }),
  };
}

/** The n/a verdicts of an SLO that does not apply, one per threshold, as evaluation would list them. */
function notJudged(slo: Slo, message: string | undefined): SloVerdict[] {
  return slo.thresholds.map((t) => ({
    id: `${slo.metricText} ${t.source} @ ${slo.windowText}`,
    metric: slo.metricText,
    expression: t.source,
    window: slo.windowText,
    status: 'n/a' as const,
    observed: null,
    samples: 0,
    strict: slo.strict,
    ...(message === undefined ? {} : { message }),
    ...(slo.failureMode === undefined ? {} : { failureMode: slo.failureMode }),
  }));
}

function sloVerdict(r: SloResult, plan: ScenarioPlan): SloVerdict {
  const slo = plan.slos.find((s) => s.name === r.name);
  const notApplicable = plan.notApplicable.get(r.name);
  const base: SloVerdict = {
    id: r.id,
    metric: r.metric,
    expression: r.expression,
    window: r.window,
    status: r.status,
    observed: r.observed,
    samples: r.samples,
    strict: r.strict,
    ...(r.message === undefined ? {} : { message: r.message }),
    ...(slo?.failureMode === undefined ? {} : { failureMode: slo.failureMode }),
  };
  if (notApplicable === undefined) return base;
  return { ...base, status: 'n/a', observed: null, samples: 0, message: notApplicable };
}
