/**
 * SLO definitions: what users write (`SloInput`, everything optional but metric and threshold)
 * and what the evaluator sees (`Slo`, parsed and with every default filled). Invalid input is
 * rejected at config time with every problem located by a dotted path and, for expressions,
 * the column (`slos[2].threshold: column 7: expected a number, found '<' in "p(95)<<500"`).
 */
import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import type { Problem } from '../errors.ts';
import { tryParseDuration } from '../util/duration.ts';
import { zodProblems } from '../util/problems.ts';
import { formatSelector, parseMetricSelector, parseThreshold, SloSyntaxError } from './grammar.ts';
import type { MetricSelector, Threshold } from './grammar.ts';
import { metricInfo } from './metrics.ts';
import type { MetricKind } from './metrics.ts';
import { formatWindow, parseWindow } from './window.ts';
import type { WindowInput, WindowSpec } from './window.ts';

/** One SLO as written in a scenario or config. */
export interface SloInput {
  /** Stable name for reports; defaults to `<metric> <threshold> @ <window>`. */
  name?: string;
  description?: string;
  /** Metric with optional k6-style tag filters: `request_duration{kind:fresh}`. */
  metric: string;
  /** One threshold (`p(95)<500`); give either this or `thresholds`. */
  threshold?: string;
  /** Several thresholds on the same metric and window; each is judged on its own. */
  thresholds?: readonly string[];
  /** Default `run` (the whole scenario). */
  window?: WindowInput;
  /** Default true. false = warn-only: a breach is reported as `warn` and does not fail the run. */
  strict?: boolean;
  /** Stop the run as soon as this (strict) SLO fails during it. Default false. */
  abortOnFail?: boolean;
  /** With abortOnFail: wait this long after the window opens before judging live (e.g. `10s`). */
  delayAbortEval?: string | number;
  /** Pass when the window has no samples, instead of failing (k6#4283). Default false. */
  allowNoSamples?: boolean;
  /** The failure mode this SLO tests (`FM1`…`FM24`, see docs/failure-modes.md), for attribution in reports. */
  failureMode?: string;
  /**
   * Policies the SUT must have for this SLO to mean anything (see {@link SUT_CAPABILITIES}). When the
   * SUT profile says it lacks one, the SLO is reported `n/a` instead of judged.
   */
  requires?: readonly SutCapability[];
}

/**
 * What a verifier may or may not enforce besides signature checks. A scenario's SLOs and request
 * kinds that test one of these run only against a SUT whose profile declares it.
 * - `scopes`: a token without the route's required scope gets 403;
 * - `claimHeaders`: a request whose header disagrees with a token claim gets 401;
 * - `readiness`: the readiness endpoint reports whether keys are loaded.
 */
export const SUT_CAPABILITIES = ['scopes', 'claimHeaders', 'readiness'] as const;
export type SutCapability = (typeof SUT_CAPABILITIES)[number];

/** A resolved SLO: parsed, validated, defaults filled. */
export interface Slo {
  readonly name: string;
  readonly description?: string;
  readonly metric: MetricSelector;
  /** The metric as written, normalised (`request_duration{kind:fresh}`). */
  readonly metricText: string;
  readonly kind: MetricKind;
  readonly thresholds: readonly Threshold[];
  readonly window: WindowSpec;
  /** The window as written (`during:jwks-outage`, `10s..30s`). */
  readonly windowText: string;
  readonly strict: boolean;
  readonly abortOnFail: boolean;
  readonly delayAbortEvalMs: number;
  readonly allowNoSamples: boolean;
  readonly failureMode?: string;
  readonly requires: readonly SutCapability[];
}

const duration = z.union([z.string(), z.number()]);

/** The shape of an SLO (unknown keys rejected); expressions are checked by {@link checkSlos}. */
export const sloInputSchema = z.strictObject({
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  metric: z.string().min(1),
  threshold: z.string().optional(),
  thresholds: z.array(z.string()).min(1).optional(),
  // Checked by parseWindow, whose messages name the valid forms.
  window: z.unknown().optional(),
  strict: z.boolean().optional(),
  abortOnFail: z.boolean().optional(),
  delayAbortEval: duration.optional(),
  allowNoSamples: z.boolean().optional(),
  failureMode: z
    .string()
    .regex(/^FM\d{1,2}$/, 'must name a failure mode such as FM10')
    .optional(),
  requires: z.array(z.enum(SUT_CAPABILITIES)).optional(),
});

export interface CheckOptions {
  /** Dotted path of the list, for messages. Default `slos`. */
  path?: string;
  /**
   * Fault and phase names of the scenario: when given, `during:<name>` must name one of them.
   * Leave undefined when checking SLOs alone.
   */
  windowNames?: readonly string[];
}

/** Validates and resolves a list of SLOs, returning every problem instead of throwing. */
export function checkSlos(input: unknown, options: CheckOptions = {}): { slos: Slo[]; problems: Problem[] } {
  const path = options.path ?? 'slos';
  if (!Array.isArray(input)) return { slos: [], problems: [{ path, message: 'must be a list of SLOs' }] };
  const slos: Slo[] = [];
  const problems: Problem[] = [];
  input.forEach((item: unknown, i) => {
    const result = checkSlo(item, `${path}[${i}]`, options);
    if ('problems' in result) problems.push(...result.problems);
    else slos.push(result.slo);
  });
  const seen = new Map<string, number>();
  slos.forEach((slo, i) => {
    const first = seen.get(slo.name);
    if (first !== undefined) {
      problems.push({
        path: `${path}[${i}].name`,
        message: `'${slo.name}' is already used by ${path}[${first}]`,
      });
    } else seen.set(slo.name, i);
  });
  return { slos, problems };
}

/** Validates and resolves a list of SLOs; throws a ValidationError listing every problem. */
export function resolveSlos(input: unknown, options: CheckOptions = {}): Slo[] {
  const { slos, problems } = checkSlos(input, options);
  if (problems.length > 0) throw new ValidationError('SLO definitions', problems);
  return slos;
}

/** Validates one SLO; `path` locates it in messages (`slos[2]`). */
export function checkSlo(
  input: unknown,
  path: string,
  options: Pick<CheckOptions, 'windowNames'> = {},
): { slo: Slo } | { problems: Problem[] } {
  const shape = sloInputSchema.safeParse(input);
  if (!shape.success) {
    return { problems: zodProblems(shape.error, { prefix: path }) };
  }
  const raw = shape.data;
  const problems: Problem[] = [];

  let metric: MetricSelector | undefined;
  try {
    metric = parseMetricSelector(raw.metric);
  } catch (error) {
    problems.push(syntaxProblem(`${path}.metric`, raw.metric, error));
  }

  const expressions: { text: string; path: string }[] = [];
  if (raw.threshold !== undefined && raw.thresholds !== undefined) {
    problems.push({ path: `${path}.threshold`, message: 'give either threshold or thresholds, not both' });
  } else if (raw.threshold !== undefined) {
    expressions.push({ text: raw.threshold, path: `${path}.threshold` });
  } else if (raw.thresholds !== undefined) {
    raw.thresholds.forEach((text, i) => expressions.push({ text, path: `${path}.thresholds[${i}]` }));
  } else {
    problems.push({ path: `${path}.threshold`, message: 'is required (e.g. "p(95)<500")' });
  }
  const thresholds: Threshold[] = [];
  for (const e of expressions) {
    try {
      thresholds.push(parseThreshold(e.text, metric && metricInfo(metric.name).kind, metric?.name));
    } catch (error) {
      problems.push(syntaxProblem(e.path, e.text, error));
    }
  }

  const window = parseWindow(raw.window ?? 'run');
  if ('error' in window) problems.push({ path: `${path}.window`, message: window.error });
  else if (window.type === 'during' && options.windowNames && !options.windowNames.includes(window.name)) {
    const known = options.windowNames.length > 0 ? options.windowNames.join(', ') : 'none';
    problems.push({
      path: `${path}.window`,
      message: `no fault or phase named '${window.name}' in the scenario (known: ${known})`,
    });
  }

  const strict = raw.strict ?? true;
  const abortOnFail = raw.abortOnFail ?? false;
  if (abortOnFail && !strict) {
    problems.push({
      path: `${path}.abortOnFail`,
      message: 'a warn-only SLO (strict: false) cannot abort the run',
    });
  }
  let delayAbortEvalMs = 0;
  if (raw.delayAbortEval !== undefined) {
    const ms = tryParseDuration(raw.delayAbortEval);
    if (ms === undefined) {
      problems.push({
        path: `${path}.delayAbortEval`,
        message: `${JSON.stringify(raw.delayAbortEval)} is not a duration (e.g. 250ms, 5s)`,
      });
    } else delayAbortEvalMs = ms;
    if (!abortOnFail) {
      problems.push({ path: `${path}.delayAbortEval`, message: 'only applies with abortOnFail: true' });
    }
  }

  if (problems.length > 0 || metric === undefined || 'error' in window) return { problems };
  const metricText = formatSelector(metric);
  const windowText = typeof raw.window === 'string' ? raw.window.trim() : formatWindow(window);
  const name = raw.name ?? `${metricText} ${thresholds.map((t) => t.source).join(', ')} @ ${windowText}`;
  const slo: Slo = {
    name,
    ...(raw.description === undefined ? {} : { description: raw.description }),
    metric,
    metricText,
    kind: metricInfo(metric.name).kind,
    thresholds,
    window,
    windowText,
    strict,
    abortOnFail,
    delayAbortEvalMs,
    allowNoSamples: raw.allowNoSamples ?? false,
    ...(raw.failureMode === undefined ? {} : { failureMode: raw.failureMode }),
    requires: raw.requires ?? [],
  };
  return { slo };
}

function syntaxProblem(path: string, text: string, error: unknown): Problem {
  if (error instanceof SloSyntaxError)
    return { path, message: `${error.message} in ${JSON.stringify(text)}` };
  throw error;
}
