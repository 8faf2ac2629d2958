/**
 * One line of k6's JSON output (`k6 run --out json=FILE`), parsed and checked. k6 writes two
 * kinds of line:
 * - `Metric`, once per metric before its first point: its type, what its values contain, its
 *   thresholds (plain strings in older k6, `{threshold, abortOnFail, delayAbortEval}` objects in
 *   newer ones: both are accepted and read as the expression string);
 * - `Point`, one per sample: the metric, an RFC 3339 time with nanoseconds and a zone, a value
 *   and the sample's tags (and, in newer k6, metadata such as `vu` and `iter`).
 * Anything else is malformed; the reason says what was wrong, for the report.
 */

export type K6MetricType = 'counter' | 'gauge' | 'rate' | 'trend';
const METRIC_TYPES: readonly string[] = ['counter', 'gauge', 'rate', 'trend'];

export interface K6MetricLine {
  type: 'Metric';
  name: string;
  metricType: K6MetricType;
  /** `default`, `time` (values in ms) or `data` (bytes). */
  contains: string;
  /** Threshold expressions (`p(95)<500`), from strings or threshold objects. */
  thresholds: string[];
}

export interface K6PointLine {
  type: 'Point';
  metric: string;
  /** Epoch milliseconds, with the sub-millisecond part kept as a fraction. */
  timeMs: number;
  value: number;
  /** Tag values as strings (k6 writes strings; anything else is turned into one). */
  tags: Readonly<Record<string, string>>;
  metadata: Readonly<Record<string, string>>;
}

export type K6Line = K6MetricLine | K6PointLine;

export type ParsedLine = { ok: true; line: K6Line } | { ok: false; reason: string };

const bad = (reason: string): ParsedLine => ({ ok: false, reason });

/** Parses one NDJSON line of k6 output (never throws). */
export function parseK6Line(text: string): ParsedLine {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return bad('not JSON');
  }
  if (!isRecord(json)) return bad('not a JSON object');
  if (json.type === 'Metric') return parseMetric(json);
  if (json.type === 'Point') return parsePoint(json);
  return bad(`unknown line type ${JSON.stringify(json.type ?? null).slice(0, 40)}`);
}

function parseMetric(json: Record<string, unknown>): ParsedLine {
  const data = json.data;
  if (!isRecord(data)) return bad('Metric line without a data object');
  const name = typeof data.name === 'string' ? data.name : json.metric;
  if (typeof name !== 'string' || name === '') return bad('Metric line without a metric name');
  if (typeof data.type !== 'string' || !METRIC_TYPES.includes(data.type))
    return bad(`metric ${name}: type must be counter, gauge, rate or trend`);
  const thresholds: string[] = [];
  for (const t of Array.isArray(data.thresholds) ? (data.thresholds as unknown[]) : []) {
    if (typeof t === 'string') thresholds.push(t);
    else if (isRecord(t) && typeof t.threshold === 'string') thresholds.push(t.threshold);
    else return bad(`metric ${name}: a threshold is neither a string nor {threshold}`);
  }
  return {
    ok: true,
    line: {
      type: 'Metric',
      name,
      metricType: data.type as K6MetricType,
      contains: typeof data.contains === 'string' ? data.contains : 'default',
      thresholds,
    },
  };
}

function parsePoint(json: Record<string, unknown>): ParsedLine {
  const data = json.data;
  if (typeof json.metric !== 'string' || json.metric === '') return bad('Point line without a metric name');
  if (!isRecord(data)) return bad(`Point of ${json.metric} without a data object`);
  if (typeof data.value !== 'number' || !Number.isFinite(data.value))
    return bad(`Point of ${json.metric}: value is not a finite number`);
  const timeMs = typeof data.time === 'string' ? parseRfc3339(data.time) : undefined;
  if (timeMs === undefined) return bad(`Point of ${json.metric}: time is not an RFC 3339 timestamp`);
  if (data.tags !== undefined && data.tags !== null && !isRecord(data.tags))
    return bad(`Point of ${json.metric}: tags is not an object`);
  return {
    ok: true,
    line: {
      type: 'Point',
      metric: json.metric,
      timeMs,
      value: data.value,
      tags: stringValues(data.tags),
      metadata: stringValues(data.metadata),
    },
  };
}

const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/i;

/**
 * Epoch ms of an RFC 3339 time such as `2026-12-03T15:39:08.123456789+01:00`. Parsed by hand
 * because `Date.parse` is only specified for three fraction digits; k6 writes nine.
 */
export function parseRfc3339(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const whole = Date.parse(`${m[1] ?? ''}${(m[3] ?? 'Z').toUpperCase()}`);
  if (!Number.isFinite(whole)) return undefined;
  const fraction = m[2] === undefined ? 0 : Number(`0.${m[2]}`) * 1000;
  return whole + fraction;
}

function stringValues(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value))
    if (v !== null && v !== undefined) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
