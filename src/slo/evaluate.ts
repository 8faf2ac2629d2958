/**
 * Judges SLOs against a {@link MetricSource}. One result per threshold, carrying the observed
 * value, the number of samples and the resolved window, not only pass/fail.
 */
import type { SloVerdict } from '../result/types.ts';
import type { Slo } from './definition.ts';
import { compare } from './grammar.ts';
import type { Threshold } from './grammar.ts';
import type { MetricSource } from './source.ts';
import { resolveWindow } from './window.ts';
import type { ResolvedWindow, TimelineSpan } from './window.ts';

/** The verdict of one threshold of one SLO over its window (a `SloVerdict` plus where it looked). */
export interface SloResult extends SloVerdict {
  /** The SLO's name (several results share it when the SLO has several thresholds). */
  name: string;
  /** The window in ms since the scenario started; null when it could not be resolved. */
  fromMs: number | null;
  toMs: number | null;
  /** True when the window held no samples (passed only if the SLO allows it). */
  noSamples: boolean;
}

export interface EvaluateOptions {
  /** Judge only data before this instant (live evaluation); windows are clipped to it. */
  nowMs?: number;
}

/** Judges every threshold of every SLO; never throws for missing data (that is a failed verdict). */
export function evaluateSlos(
  slos: readonly Slo[],
  source: MetricSource,
  timeline: readonly TimelineSpan[],
  options: EvaluateOptions = {},
): SloResult[] {
  return slos.flatMap((slo) => evaluateSlo(slo, source, timeline, options));
}

/** Judges one SLO: one result per threshold. */
export function evaluateSlo(
  slo: Slo,
  source: MetricSource,
  timeline: readonly TimelineSpan[],
  options: EvaluateOptions = {},
): SloResult[] {
  const window = resolveWindow(slo.window, timeline, options.nowMs);
  if ('error' in window) {
    return slo.thresholds.map((t) => ({
      ...base(slo, t, null),
      status: breachStatus(slo),
      observed: null,
      samples: 0,
      noSamples: true,
      message: window.error,
    }));
  }
  return slo.thresholds.map((t) => judge(slo, t, observe(slo, t, source, window), window));
}

/** What a threshold is compared with: the aggregate and how many samples it rests on. */
export interface Observation {
  samples: number;
  value: number | null;
}

/** Reads the aggregate a threshold compares. */
export function observe(
  slo: Slo,
  threshold: Threshold,
  source: MetricSource,
  window: ResolvedWindow,
): Observation {
  const query = { metric: slo.metric.name, tags: slo.metric.tags, fromMs: window.fromMs, toMs: window.toMs };
  const agg = threshold.aggregation;
  const seen = (samples: number, value: number): Observation => ({ samples, value });
  switch (slo.kind) {
    case 'trend': {
      const t = source.trend(query);
      if (t.samples === 0) return { samples: 0, value: null };
      const value =
        agg.name === 'avg'
          ? t.avg
          : agg.name === 'min'
            ? t.min
            : agg.name === 'max'
              ? t.max
              : t.percentile(agg.name === 'med' ? 50 : (agg.percentile ?? 50));
      return seen(t.samples, value);
    }
    case 'rate': {
      const r = source.rate(query);
      return r.samples === 0 ? { samples: 0, value: null } : seen(r.samples, r.matches / r.samples);
    }
    case 'counter': {
      const c = source.counter(query);
      if (c.samples === 0) return { samples: 0, value: null };
      const seconds = (window.toMs - window.fromMs) / 1000;
      // A counter's rate is per second of the window (k6's meaning), not a share.
      return seen(c.samples, agg.name === 'rate' ? (seconds > 0 ? c.count / seconds : NaN) : c.count);
    }
    case 'gauge': {
      const g = source.gauge(query);
      if (g.samples === 0) return { samples: 0, value: null };
      return seen(g.samples, agg.name === 'min' ? g.min : agg.name === 'max' ? g.max : g.value);
    }
  }
}

function judge(slo: Slo, t: Threshold, o: Observation, window: ResolvedWindow): SloResult {
  const head = base(slo, t, window);
  if (o.samples === 0 || o.value === null) {
    if (slo.allowNoSamples) {
      return {
        ...head,
        status: 'pass',
        observed: null,
        samples: 0,
        noSamples: true,
        message: 'no samples (allowed)',
      };
    }
    return {
      ...head,
      status: breachStatus(slo),
      observed: null,
      samples: 0,
      noSamples: true,
      message: `no samples in window ${slo.windowText}: a threshold with no data fails (set allowNoSamples to opt out)`,
    };
  }
  if (Number.isNaN(o.value)) {
    return {
      ...head,
      status: breachStatus(slo),
      observed: null,
      samples: o.samples,
      noSamples: false,
      message: 'the source returned no usable value (NaN)',
    };
  }
  const ok = compare(o.value, t.operator, t.value);
  return {
    ...head,
    status: ok ? 'pass' : breachStatus(slo),
    observed: o.value,
    samples: o.samples,
    noSamples: false,
    ...(ok
      ? {}
      : { message: `${describe(t)} was ${formatNumber(o.value)}, needed ${t.operator} ${t.value}` }),
  };
}

function base(
  slo: Slo,
  t: Threshold,
  window: ResolvedWindow | null,
): Omit<SloResult, 'status' | 'observed' | 'samples' | 'noSamples'> {
  return {
    id: `${slo.metricText} ${t.source} @ ${slo.windowText}`,
    name: slo.name,
    metric: slo.metricText,
    expression: t.source,
    window: slo.windowText,
    strict: slo.strict,
    fromMs: window?.fromMs ?? null,
    toMs: window?.toMs ?? null,
  };
}

function breachStatus(slo: Slo): 'fail' | 'warn' {
  return slo.strict ? 'fail' : 'warn';
}

function describe(t: Threshold): string {
  const a = t.aggregation;
  return a.name === 'p' ? `p(${a.percentile})` : a.name;
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(4)));
}

/** Counts results and tells whether the run passes (warn-only breaches do not fail it). */
export function summarizeResults(results: readonly SloResult[]): {
  pass: number;
  fail: number;
  warn: number;
  'n/a': number;
  ok: boolean;
} {
  const tally = { pass: 0, fail: 0, warn: 0, 'n/a': 0 };
  for (const r of results) tally[r.status]++;
  return { ...tally, ok: tally.fail === 0 };
}
