/**
 * The report's figures of one scenario, from the load result and the IdP sampler: the
 * per-second series for charts and time to recover, and the load summary.
 */
import type { LoadResult } from '../load/result.ts';
import type { LoadSummary as ReportLoadSummary, SeriesPoint } from '../result/types.ts';

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
