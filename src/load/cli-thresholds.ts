/**
 * `keystorm load --threshold`: k6's threshold grammar (src/slo/grammar.ts) on the request
 * metrics one load run measures, judged over the whole run. Loaded only when a threshold is
 * given, so a plain `keystorm load` does not load the SLO layer.
 *
 *   --threshold 'p(95)<500'                            request_duration (the default metric)
 *   --threshold 'unexpected_rate:rate<0.01'            METRIC:EXPRESSION
 *   --threshold 'request_duration{kind:default}:p(99)<800'
 */
import type { Problem } from '../errors.ts';
import { checkSlo } from '../slo/definition.ts';
import type { Slo } from '../slo/definition.ts';
import { evaluateSlos } from '../slo/evaluate.ts';
import type { SloResult } from '../slo/evaluate.ts';
import { createLoadMetricSource } from '../slo/load-source.ts';
import type { LoadWindow, LoadWindowReader } from '../slo/load-source.ts';
import type { MetricName } from '../slo/metrics.ts';

/** The metrics a load run measures (everything else would have no samples). */
export const LOAD_METRICS: readonly MetricName[] = [
  'request_duration',
  'request_duration_uncorrected',
  'requests',
  'unexpected_rate',
  'status_401_rate',
  'status_403_rate',
  'status_5xx_rate',
  'error_rate',
  'dropped_starts',
  'dropped_rate',
  'late_starts',
  'security_failures',
];

const DEFAULT_METRIC = 'request_duration';

/**
 * Splits `METRIC:EXPRESSION`. An expression never contains ':', so the last ':' (outside a
 * tag filter's braces, whose values may hold one) separates the metric.
 */
export function splitThreshold(text: string): { metric: string; expression: string } {
  const close = text.lastIndexOf('}');
  const colon = text.indexOf(':', close + 1);
  if (colon < 0) return { metric: DEFAULT_METRIC, expression: text };
  return { metric: text.slice(0, colon).trim(), expression: text.slice(colon + 1) };
}

/** Parses every `--threshold`; returns the SLOs and every problem (path `--threshold[i]`). */
export function parseThresholds(texts: readonly string[]): { slos: Slo[]; problems: Problem[] } {
  const slos: Slo[] = [];
  const problems: Problem[] = [];
  texts.forEach((text, i) => {
    const path = `--threshold[${i}] ${JSON.stringify(text)}`;
    const { metric, expression } = splitThreshold(text);
    const checked = checkSlo({ metric, threshold: expression, name: text.trim() }, path);
    if ('problems' in checked) {
      problems.push(...checked.problems);
      return;
    }
    if (!LOAD_METRICS.includes(checked.slo.metric.name)) {
      problems.push({
        path,
        message: `${checked.slo.metric.name} is not measured by keystorm load (use one of ${LOAD_METRICS.join(', ')})`,
      });
      return;
    }
    slos.push(checked.slo);
  });
  return { slos, problems };
}

/** A finished run: `window()` without bounds reads the whole run from its 3-digit totals. */
export interface WholeRun {
  window(): LoadWindow;
}

/**
 * Judges the thresholds over the whole run (`durationMs`: the run's length), on the same
 * 3-digit run totals the report prints (not the 2-digit per-second buckets), so a threshold
 * line and the table never disagree.
 */
export function judgeThresholds(slos: readonly Slo[], result: WholeRun, durationMs: number): SloResult[] {
  const whole: LoadWindowReader = { window: () => result.window() };
  const source = createLoadMetricSource(whole);
  return evaluateSlos(slos, source, [{ name: 'run', kind: 'run', fromMs: 0, toMs: durationMs }]);
}

/** One line per threshold: `✓ p(95)<500 (p(95) = 3.2 ms)` or `✗ … was …, needed …`. */
export function formatThresholds(results: readonly SloResult[]): string {
  const lines = results.map((r) => {
    const mark = r.status === 'pass' ? 'ok    ' : 'BREACH';
    const observed = r.observed === null ? 'no samples' : `observed ${formatObserved(r.observed)}`;
    const why = r.status === 'pass' ? observed : (r.message ?? observed);
    return `  ${mark} ${r.metric}:${r.expression} — ${why}`;
  });
  return [`thresholds`, ...lines].join('\n');
}

function formatObserved(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(4)));
}
