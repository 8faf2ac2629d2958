/**
 * keystorm SLOs as k6 thresholds, where k6 can judge them the same way: a metric the script
 * measures, an aggregation k6 has, over the whole run or over one load phase (a `phase` tag
 * filter). Everything else — IdP-side metrics, fault windows, baseline and recovery, warn-only
 * SLOs — is listed for keystorm, which judges it from the run's output.
 *
 * k6 passes a threshold that saw no samples (grafana/k6#4283), keystorm fails it unless the SLO
 * says `allowNoSamples`: each judged threshold gets a companion `count>0` on the requests its
 * filter selects, so an empty filter fails in k6 too.
 */
import { isTokenState } from '../../load/outcome.ts';
import type { Slo } from '../../slo/definition.ts';
import type { Threshold } from '../../slo/grammar.ts';
import { k6Duration } from './executors.ts';
import type { K6Scenario } from './executors.ts';
import { GUARD_METRIC, K6_AGGREGATIONS, K6_METRIC, k6TypeOf } from './metric-map.ts';

/** A k6 threshold: an expression, or the object form with abortOnFail. */
export type K6Threshold = string | { threshold: string; abortOnFail: boolean; delayAbortEval?: string };

export interface ThresholdPlan {
  /** `options.thresholds` of the script. */
  thresholds: Record<string, K6Threshold[]>;
  /** SLOs k6 judges: name and the threshold keys that carry them. */
  judgedByK6: { slo: string; keys: string[] }[];
  /** SLOs left to keystorm, with why. */
  judgedByKeystorm: { slo: string; reason: string }[];
}

/** Only these tags of a keystorm selector exist on the script's samples. */
const FILTER_TAGS = new Set(['kind']);

/** Maps every SLO; `notApplicable` ones (policy the SUT lacks, …) are listed with their reason. */
export function toThresholds(
  slos: readonly Slo[],
  scenarios: readonly K6Scenario[],
  notApplicable: ReadonlyMap<string, string>,
): ThresholdPlan {
  const plan: ThresholdPlan = { thresholds: {}, judgedByK6: [], judgedByKeystorm: [] };
  for (const slo of slos) {
    const reason = notApplicable.get(slo.name) ?? whyKeystorm(slo, scenarios);
    if (reason !== undefined) {
      plan.judgedByKeystorm.push({ slo: slo.name, reason });
      continue;
    }
    const keys = addThresholds(plan.thresholds, slo, scenarios);
    plan.judgedByK6.push({ slo: slo.name, keys });
  }
  return plan;
}

/** Why k6 cannot judge this SLO as keystorm does, or undefined when it can. */
function whyKeystorm(slo: Slo, scenarios: readonly K6Scenario[]): string | undefined {
  const metric = K6_METRIC[slo.metric.name];
  if (metric === undefined) return `${slo.metric.name} is measured by keystorm (IdP, proxy, SUT or timeline)`;
  if (!slo.strict) return 'warn-only: a k6 threshold would fail the run';
  const tags = Object.keys(slo.metric.tags).filter((t) => !FILTER_TAGS.has(t));
  if (tags.length > 0) return `the script's samples have no ${tags.join(', ')} tag`;
  const kind = slo.metric.tags.kind;
  if (kind !== undefined && isTokenState(kind))
    return `{kind:${kind}} selects requests by their token's state, which only keystorm's token pool knows`;
  if (metric === 'dropped_iterations' && kind !== undefined)
    return 'k6 drops iterations before it draws a kind';
  const allowed = K6_AGGREGATIONS[k6TypeOf(metric)] ?? [];
  const missing = slo.thresholds.find((t) => !allowed.includes(t.aggregation.name));
  if (missing !== undefined) return `k6 has no ${missing.aggregation.name} aggregation on ${metric}`;
  if (slo.window.type === 'run') return undefined;
  if (slo.window.type === 'during') {
    const { name } = slo.window;
    if (scenarios.some((s) => s.phase === name)) return undefined;
    return `window during:${name} is a fault or a phase without requests: k6 judges whole runs and phases only`;
  }
  return `window ${slo.windowText}: k6 judges whole runs and phases only (grafana/k6#2379)`;
}

/** Adds the SLO's thresholds (and its zero-sample guard) to `thresholds`; returns the keys used. */
function addThresholds(
  thresholds: Record<string, K6Threshold[]>,
  slo: Slo,
  scenarios: readonly K6Scenario[],
): string[] {
  const metric = K6_METRIC[slo.metric.name] ?? '';
  const filter: Record<string, string> = { ...slo.metric.tags };
  if (slo.window.type === 'during') {
    const { name } = slo.window;
    // dropped_iterations carries k6's `scenario` tag; the script's own metrics carry `phase`.
    if (metric === 'dropped_iterations')
      filter.scenario = scenarios.find((s) => s.phase === name)?.key ?? name;
    else filter.phase = name;
  }
  const key = selector(metric, filter);
  const list = (thresholds[key] ??= []);
  for (const t of slo.thresholds) list.push(k6Threshold(t, slo));
  const keys = [key];
  if (!slo.allowNoSamples) {
    // The guard counts the SUT requests the same filter selects (by phase, never by k6 scenario).
    const phase = slo.window.type === 'during' ? { phase: slo.window.name } : {};
    const guard = selector(GUARD_METRIC, { ...slo.metric.tags, ...phase });
    const guards = (thresholds[guard] ??= []);
    if (!guards.includes('count>0')) guards.push('count>0');
    keys.push(guard);
  }
  return keys;
}

/** `metric{kind:valid,phase:steady}` (tags sorted, so equal filters share a key). */
export function selector(metric: string, tags: Readonly<Record<string, string>>): string {
  const entries = Object.entries(tags).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? metric : `${metric}{${entries.map(([k, v]) => `${k}:${v}`).join(',')}}`;
}

/** One threshold expression in k6's grammar (which keystorm's grammar follows). */
export function k6Expression(t: Threshold): string {
  const aggregation = t.aggregation.name === 'p' ? `p(${t.aggregation.percentile ?? 0})` : t.aggregation.name;
  return `${aggregation}${t.operator}${t.value}`;
}

function k6Threshold(t: Threshold, slo: Slo): K6Threshold {
  const threshold = k6Expression(t);
  if (!slo.abortOnFail) return threshold;
  return slo.delayAbortEvalMs > 0
    ? { threshold, abortOnFail: true, delayAbortEval: k6Duration(slo.delayAbortEvalMs) }
    : { threshold, abortOnFail: true };
}
