/**
 * The incident review's figures as label/value rows, worded once for every format (HTML,
 * markdown, console), so the three never disagree.
 */
import { ms, pct } from '../reporters/format.ts';
import { formatDuration } from '../util/duration.ts';
import type { Comparison, FigureMove } from './compare.ts';
import type { Evidence, Impact } from './incident.ts';

export type Row = [label: string, value: string];

export function impactRows(impact: Impact, bucketNote: string): Row[] {
  const rows: Row[] = [
    [
      'requests expecting success that failed',
      `${impact.failed} of ${impact.positiveRequests} (${pct(impact.positiveRequests === 0 ? null : impact.failed / impact.positiveRequests)})`,
    ],
    ['of those, 401/403 that would otherwise have succeeded', String(impact.rejected)],
    ['negative cases let through (2xx where 401/403 was due)', String(impact.securityFailures)],
    [
      'p95 (success-expecting kinds)',
      `baseline ${ms(impact.baselineP95)} · worst fault ${impact.faultP95 === null ? '–' : `${ms(impact.faultP95.p95)} (${impact.faultP95.window})`} · recovery ${ms(impact.recoveryP95)}`,
    ],
  ];
  if (impact.timeToRecoverMs !== undefined)
    rows.push([
      'time to recover after the last fault was lifted',
      impact.timeToRecoverMs === null
        ? 'not recovered when the run ended'
        : `${formatDuration(impact.timeToRecoverMs)} (${bucketNote})`,
    ]);
  rows.push([
    'degraded periods',
    impact.degraded.length === 0
      ? 'none'
      : impact.degraded
          .map(
            (p) =>
              `+${formatDuration(p.fromMs)}–+${formatDuration(p.toMs)}${p.openAtEnd ? ' (open at end)' : ''}`,
          )
          .join(', '),
  ]);
  return rows;
}

export function evidenceRows(e: Evidence): Row[] {
  const rows: Row[] = [
    [
      'JWKS fetches at the provider',
      `${e.jwksFetches} (${
        Object.entries(e.fetchesPerInstance)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ') || 'per instance: –'
      })` +
        (e.peakFetchesPerSecond === null
          ? ''
          : `; most in one second: ${e.peakFetchesPerSecond.fetches} at +${e.peakFetchesPerSecond.atS}s`),
    ],
    ['peak concurrent JWKS fetches (in flight at the provider)', String(e.peakConcurrentJwksFetches)],
    ['unknown-kid fetches', String(e.unknownKidFetches)],
    ['load pool: dropped starts · late starts', `${e.droppedStarts} · ${e.lateStarts}`],
  ];
  const logs = Object.entries(e.logMatches);
  if (logs.length > 0) rows.push(['SUT log lines counted', logs.map(([k, n]) => `${k} ${n}`).join(', ')]);
  const counters = Object.entries(e.sutCounters).filter(([k]) => !/^(process|nodejs)_/.test(k));
  if (counters.length > 0)
    rows.push([
      'SUT counters (increase)',
      counters.map(([k, n]) => `${k} +${Math.round(n * 1000) / 1000}`).join(', '),
    ]);
  return rows;
}

/** How the degradation was read, for the reader of "time to recover". */
export function bucketNote(bucketMs: number | undefined): string {
  return `resolution ${bucketMs === undefined ? '1s' : formatDuration(bucketMs)}`;
}

export function figureValue(unit: FigureMove['unit'], value: number | null): string {
  if (value === null) return '–';
  if (unit === 'ms') return ms(value);
  if (unit === 'share') return pct(value, 3);
  return String(value);
}

/** The comparison in plain lines (console and markdown lists). */
export function comparisonLines(c: Comparison): string[] {
  const lines = [`compared with the run of ${c.old.startedAt} (${c.old.status}) → now ${c.now.status}`];
  if (c.verdicts.length === 0) lines.push('verdicts: none changed');
  for (const v of c.verdicts) lines.push(`verdict ${v.scenario}: ${v.from} → ${v.to}`);
  for (const s of c.slos) lines.push(`SLO ${s.scenario} ${s.slo}: ${s.from} → ${s.to}`);
  if (c.figures.length === 0) lines.push('figures: none moved by 20% or more');
  for (const f of c.figures)
    lines.push(
      `${f.worse ? 'worse' : 'better'} ${f.scenario} ${f.figure}: ${figureValue(f.unit, f.from)} → ${figureValue(f.unit, f.to)}`,
    );
  return lines;
}
