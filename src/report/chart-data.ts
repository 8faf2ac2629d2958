/**
 * The compact data the HTML report's charts are drawn from: per scenario the bucket times, the
 * per-kind counts (rates are computed in the page from each bucket's real width, so the last,
 * shorter bucket shows no false drop), fault bands, action and alert markers, and JWKS fetches
 * by second. Every time is run seconds since the scenario's load started, like the timeline and
 * the SLO windows.
 */
import type { KindSeries, ScenarioResult } from '../result/types.ts';
import type { IncidentEvent } from './incident.ts';

/** Fault colours, in the order faults start; distinct enough to tell two overlapping bands apart. */
export const FAULT_COLOURS = ['#dc2626', '#2563eb', '#d97706', '#7c3aed', '#0d9488', '#db2777'];

export interface ChartKind {
  kind: string;
  positive: boolean;
  ok: number[];
  /** 401 + 403. */
  rejected: number[];
  /** 5xx + transport errors. */
  broken: number[];
  unexpected: number[];
  p95: (number | null)[];
}

export interface ScenarioChartData {
  /** Bucket start and width, seconds (the last may be shorter). */
  t: number[];
  w: number[];
  kinds: ChartKind[];
  /** Whether the series came from the older per-second record mixing every kind. */
  mixed: boolean;
  bands: { name: string; from: number; to: number; colour: string }[];
  markers: { at: number; label: string; kind: 'action' | 'alert' | 'journey' }[];
  jwks: { t: number[]; fetches: number[] };
  baselineP95: number | null;
  /** End of the x axis (s): every chart of a scenario spans [0, xMax], so they line up. */
  xMax: number;
}

export function chartData(
  s: ScenarioResult,
  events: readonly IncidentEvent[],
  baselineP95: number | null,
): ScenarioChartData {
  const faults = s.windows.filter((w) => w.kind === 'fault').sort((a, b) => a.fromMs - b.fromMs);
  const names = [...new Set(faults.map((f) => f.name))];
  const series = buckets(s);
  const lastT = series.t.length - 1;
  const xMax = Math.max(
    lastT < 0 ? 0 : (series.t[lastT] ?? 0) + (series.w[lastT] ?? 0),
    ...faults.map((f) => sec(f.toMs)),
  );
  // The provider is read by second; a last second mostly after the load's end would draw a
  // false drop, so it is left out (as the request buckets fold their last sliver in).
  const seconds = s.series.filter((p) => p.t + 0.5 <= xMax);
  return {
    ...series,
    xMax,
    bands: faults.map((f) => ({
      name: f.name,
      from: sec(f.fromMs),
      to: sec(f.toMs),
      colour: FAULT_COLOURS[names.indexOf(f.name) % FAULT_COLOURS.length] ?? '#dc2626',
    })),
    markers: events.flatMap((e): ScenarioChartData['markers'] =>
      e.kind === 'action' || e.kind === 'journey'
        ? [{ at: sec(e.atMs), label: e.what, kind: e.kind }]
        : e.kind === 'alert' && e.what.endsWith('firing')
          ? [{ at: sec(e.atMs), label: e.what, kind: 'alert' }]
          : [],
    ),
    jwks: { t: seconds.map((p) => p.t), fetches: seconds.map((p) => p.jwksFetches) },
    baselineP95,
  };
}

function buckets(s: ScenarioResult): Pick<ScenarioChartData, 't' | 'w' | 'kinds' | 'mixed'> {
  const chart = s.chart;
  if (chart !== undefined && chart.kinds.length > 0) {
    const n = Math.max(...chart.kinds.map((k) => k.requests.length));
    const t = Array.from({ length: n }, (_, i) => sec(i * chart.bucketMs));
    const w = t.map((_, i) =>
      i === n - 1 ? Math.max(1, chart.untilMs - i * chart.bucketMs) / 1000 : chart.bucketMs / 1000,
    );
    return { t, w, kinds: chart.kinds.map(chartKind), mixed: false };
  }
  return {
    t: s.series.map((p) => p.t),
    w: s.series.map(() => 1),
    kinds: [
      {
        kind: 'all kinds',
        positive: true,
        ok: s.series.map((p) => p.requests - p.unexpected),
        rejected: s.series.map((p) => p.s401 + p.s403),
        broken: s.series.map((p) => p.s5xx + p.errors),
        unexpected: s.series.map((p) => p.unexpected),
        p95: s.series.map((p) => p.p95),
      },
    ],
    mixed: true,
  };
}

function chartKind(k: KindSeries): ChartKind {
  return {
    kind: k.kind,
    positive: k.positive,
    ok: k.ok,
    rejected: k.s401.map((n, i) => n + (k.s403[i] ?? 0)),
    broken: k.s5xx.map((n, i) => n + (k.errors[i] ?? 0)),
    unexpected: k.unexpected,
    p95: k.p95,
  };
}

function sec(ms: number): number {
  return Math.round(ms) / 1000;
}
