/**
 * The report's figures of one scenario, from the load result and the IdP sampler: the
 * per-second series for charts and time to recover, and the load summary.
 */
import type { LoadResult } from '../load/result.ts';
import type {
  ChartSeries,
  KindSeries,
  LoadSummary as ReportLoadSummary,
  SeriesPoint,
  SpanLatency,
  WindowSpan,
} from '../result/types.ts';
import type { RequestLog } from './request-log.ts';

/**
 * Chart resolution for a scenario of this length: 250 ms under a minute (a 10-second drill gets
 * 40 points, not 10), 1 s under ten minutes, then whatever keeps the chart near 600 points.
 */
export function chartBucketMs(durationMs: number): number {
  if (durationMs < 60_000) return 250;
  if (durationMs < 600_000) return 1000;
  return Math.ceil(durationMs / 600 / 1000) * 1000;
}

/** Per-kind chart series from the request log, by when each request was due. */
export function toChartSeries(log: RequestLog, durationMs: number): ChartSeries {
  const bucketMs = chartBucketMs(durationMs);
  let untilMs = durationMs;
  log.scan((r) => {
    untilMs = Math.max(untilMs, r.intendedMs);
  });
  // A sliver at the end (under half a bucket) joins the last bucket, whose width then runs to
  // `untilMs`: a 30 ms bucket with no request due in it would draw a false drop to zero.
  const n = Math.max(1, Math.floor(untilMs / bucketMs + 0.5));
  const kinds = new Map<string, { series: KindSeries; latencies: number[][] }>();
  const zeros = (): number[] => new Array<number>(n).fill(0);
  log.scan((r) => {
    let k = kinds.get(r.kind);
    if (k === undefined) {
      const series: KindSeries = {
        kind: r.kind,
        positive: log.expectsSuccess(r.kind),
        requests: zeros(),
        ok: zeros(),
        s401: zeros(),
        s403: zeros(),
        s5xx: zeros(),
        errors: zeros(),
        unexpected: zeros(),
        p95: [],
      };
      k = { series, latencies: Array.from({ length: n }, () => []) };
      kinds.set(r.kind, k);
    }
    const i = Math.min(n - 1, Math.max(0, Math.floor(r.intendedMs / bucketMs)));
    const s = k.series;
    add(s.requests, i);
    if (r.unexpected) add(s.unexpected, i);
    else add(s.ok, i);
    if (r.status === 401) add(s.s401, i);
    else if (r.status === 403) add(s.s403, i);
    else if (r.status >= 500 && r.status < 600) add(s.s5xx, i);
    if (r.error) add(s.errors, i);
    k.latencies[i]?.push(r.correctedMs);
  });
  for (const k of kinds.values()) k.series.p95 = k.latencies.map((l) => round(percentile95(l)));
  return { bucketMs, untilMs: Math.round(untilMs), kinds: [...kinds.values()].map((k) => k.series) };
}

/**
 * Corrected p95 of the success-expecting kinds over the baseline, each fault and the recovery:
 * the figures "p95 against baseline" compares (negative cases are left out, as SLOs on
 * `kind:fresh` leave them out).
 */
export function toSpanLatency(log: RequestLog, windows: readonly WindowSpan[]): SpanLatency[] {
  const spans = windows.filter((w) => w.kind === 'baseline' || w.kind === 'fault' || w.kind === 'recovery');
  const values = spans.map((): number[] => []);
  log.scan((r) => {
    if (!log.expectsSuccess(r.kind)) return;
    spans.forEach((w, i) => {
      if (r.intendedMs >= w.fromMs && r.intendedMs < w.toMs) values[i]?.push(r.correctedMs);
    });
  });
  return spans.map((w, i) => ({
    window: w.name,
    p95: round(percentile95(values[i] ?? [])),
    samples: values[i]?.length ?? 0,
  }));
}

/** The report's fine-grained figures of a played scenario (none when it never played). */
export function reportDetail(
  observed: { requests: RequestLog; durationMs: number; epochOrigin: number } | undefined,
  windows: readonly WindowSpan[],
): { chart?: ChartSeries; spanLatency?: SpanLatency[]; loadEpochMs?: number } {
  if (observed === undefined) return {};
  return {
    chart: toChartSeries(observed.requests, observed.durationMs),
    spanLatency: toSpanLatency(observed.requests, windows),
    loadEpochMs: observed.epochOrigin,
  };
}

function add(column: number[], i: number): void {
  column[i] = (column[i] ?? 0) + 1;
}

/** Nearest-rank p95 (a value that was observed, as the SLO layer reports it). */
function percentile95(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] ?? null;
}

function round(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10) / 10;
}

export function toSeries(
  result: LoadResult | undefined,
  idpSeconds: readonly { t: number; slots: Record<string, Record<string, { fetches: number }>> }[],
): SeriesPoint[] {
  const fetchesAt = new Map<number, number>();
  for (const sec of idpSeconds) {
    let n = 0;
    for (const issuers of Object.values(sec.slots))
      for (const slot of Object.values(issuers)) n += slot.fetches;
    fetchesAt.set(sec.t, n);
  }
  // The engine stamps each point with its start in ms; reports and recovery work in seconds.
  return (result?.summary.series ?? []).map((p) => ({
    t: Math.round(p.t / 1000),
    requests: p.requests,
    p50: p.requests > 0 ? p.latency.corrected.p50 : null,
    p95: p.requests > 0 ? p.latency.corrected.p95 : null,
    p99: p.requests > 0 ? p.latency.corrected.p99 : null,
    s2xx: p.status['2xx'],
    s401: p.status['401'],
    s403: p.status['403'],
    s4xx: p.status['4xx'],
    s5xx: p.status['5xx'],
    errors: p.errors.total,
    unexpected: p.unexpected,
    jwksFetches: fetchesAt.get(Math.round(p.t / 1000)) ?? 0,
  }));
}

export function toReportLoad(result: LoadResult | undefined): ReportLoadSummary {
  const empty = { p50: null, p90: null, p95: null, p99: null, max: null, mean: null };
  if (result === undefined) {
    return {
      requests: 0,
      ratePerSecond: 0,
      corrected: empty,
      uncorrected: empty,
      statuses: {},
      unexpected: 0,
      securityFailures: 0,
      droppedStarts: 0,
      lateStarts: 0,
      kinds: {},
    };
  }
  const t = result.summary.totals;
  const lat = (l: {
    count: number;
    p50: number;
    p90: number;
    p95: number;
    p99: number;
    max: number;
    mean: number;
  }) =>
    l.count === 0 ? empty : { p50: l.p50, p90: l.p90, p95: l.p95, p99: l.p99, max: l.max, mean: l.mean };
  const statuses = (c: { status: Record<string, number> }): Record<string, number> =>
    Object.fromEntries(Object.entries(c.status).filter(([, n]) => n > 0));
  return {
    requests: t.requests,
    ratePerSecond: result.summary.achievedRate,
    corrected: lat(t.latency.corrected),
    uncorrected: lat(t.latency.uncorrected),
    statuses: statuses(t),
    unexpected: t.unexpected,
    securityFailures: t.securityFailures,
    droppedStarts: t.dropped,
    lateStarts: t.late,
    kinds: Object.fromEntries(
      Object.entries(result.summary.kinds).map(([k, v]) => [
        k,
        { requests: v.requests, unexpected: v.unexpected, statuses: statuses(v) },
      ]),
    ),
  };
}
