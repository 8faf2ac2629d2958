/**
 * A scenario's result read as an incident review, the form the JWKS incidents were written up
 * in: a summary sentence, the impact, how it was detected, a timeline and the evidence for the
 * cause. Pure: every figure comes from the ScenarioResult, so `keystorm report` can rebuild it
 * from summary.json. Times are run ms since the scenario's load started (the SLO windows' base).
 */
import type { AlertVerdict } from '../alerts/verdicts.ts';
import type { ScenarioResult, TimelineEntry } from '../result/types.ts';
import { formatDuration } from '../util/duration.ts';
import type { DegradedPeriod } from './health.ts';
import { baselineP95, degradedPeriods, healthBuckets, lastFaultEndMs, timeToRecoverMs } from './health.ts';

export type EventKind = 'fault-on' | 'fault-off' | 'action' | 'journey' | 'alert' | 'sut' | 'abort';

/** One row of the incident timeline. */
export interface IncidentEvent {
  atMs: number;
  kind: EventKind;
  what: string;
  detail?: string;
  ok: boolean;
}

export interface Impact {
  /** Requests that expected success, and how many of them failed. */
  positiveRequests: number;
  failed: number;
  /** 401/403 answers to requests that should have passed (the seeds' "would otherwise have succeeded"). */
  rejected: number;
  /** Negative cases the SUT let through (a 2xx where a 401/403 was due). */
  securityFailures: number;
  baselineP95: number | null;
  /** Worst p95 of the success-expecting kinds over a fault, and which fault. */
  faultP95: { window: string; p95: number } | null;
  recoveryP95: number | null;
  /** Time to recover after the last fault was lifted (null: not within the run; undefined: no fault). */
  timeToRecoverMs: number | null | undefined;
  degraded: DegradedPeriod[];
}

export interface Detection {
  alert: string;
  status: AlertVerdict['status'];
  expected: AlertVerdict['expected'];
  fired: boolean;
  pendingMs: number | undefined;
  firingMs: number | undefined;
  timeToDetectMs: number | undefined;
  reason: string;
}

export interface Evidence {
  jwksFetches: number;
  peakConcurrentJwksFetches: number;
  /** Most JWKS fetches in one second, and when. */
  peakFetchesPerSecond: { fetches: number; atS: number } | null;
  fetchesPerInstance: Record<string, number>;
  unknownKidFetches: number;
  droppedStarts: number;
  lateStarts: number;
  logMatches: Record<string, number>;
  sutCounters: Record<string, number>;
}

export interface IncidentReview {
  summary: string;
  impact: Impact;
  detection: Detection[];
  timeline: IncidentEvent[];
  evidence: Evidence;
  /** Why the verdict is what it is: breached SLOs, unmet premises, failed alerts, the error. */
  causes: string[];
}

export function reviewScenario(s: ScenarioResult): IncidentReview {
  const impact = impactOf(s);
  const detection = (s.alerts ?? []).map((a) => detectionOf(a, s));
  return {
    summary: summaryOf(s, impact),
    impact,
    detection,
    timeline: timelineOf(s, impact.degraded, detection),
    evidence: evidenceOf(s),
    causes: causesOf(s),
  };
}

function impactOf(s: ScenarioResult): Impact {
  const buckets = healthBuckets(s);
  const spans = s.spanLatency ?? [];
  const faultNames = new Set(s.windows.filter((w) => w.kind === 'fault').map((w) => w.name));
  const worstFault = spans
    .filter((w) => faultNames.has(w.window) && w.p95 !== null)
    .sort((a, b) => (b.p95 ?? 0) - (a.p95 ?? 0))[0];
  const degraded = degradedPeriods(s);
  return {
    positiveRequests: buckets.reduce((n, b) => n + b.requests, 0),
    failed: buckets.reduce((n, b) => n + b.failed, 0),
    rejected: buckets.reduce((n, b) => n + b.rejected, 0),
    securityFailures: s.load.securityFailures,
    baselineP95: baselineP95(s),
    faultP95: worstFault?.p95 == null ? null : { window: worstFault.window, p95: worstFault.p95 },
    recoveryP95: spans.find((w) => w.window === 'recovery')?.p95 ?? null,
    timeToRecoverMs: timeToRecoverMs(s, degraded),
    degraded,
  };
}

/** An alert's pending and firing moments in run time (its timestamps are epoch ms). */
function detectionOf(a: AlertVerdict, s: ScenarioResult): Detection {
  const toRun = (epoch: number | undefined): number | undefined => {
    if (epoch === undefined) return undefined;
    if (s.loadEpochMs !== undefined) return epoch - s.loadEpochMs;
    // Older results: place it from the time to detect, counted from the first fault.
    const firstFault = Math.min(...s.windows.filter((w) => w.kind === 'fault').map((w) => w.fromMs));
    if (a.timeToDetectMs === undefined || a.firingAtMs === undefined || !Number.isFinite(firstFault))
      return undefined;
    return firstFault + a.timeToDetectMs - (a.firingAtMs - epoch);
  };
  return {
    alert: a.alert,
    status: a.status,
    expected: a.expected,
    fired: a.fired,
    pendingMs: toRun(a.pendingAtMs),
    firingMs: toRun(a.firingAtMs),
    timeToDetectMs: a.timeToDetectMs,
    reason: a.reason,
  };
}

function classify(e: TimelineEntry): EventKind {
  if (/^fault .* (applied|could not be applied)/.test(e.what)) return 'fault-on';
  if (/^fault .* revert/.test(e.what)) return 'fault-off';
  if (e.what.startsWith('journey ')) return 'journey';
  if (e.what.startsWith('aborted')) return 'abort';
  return 'action';
}

/** What a degraded period looked like: which failures, or how far latency rose over baseline. */
function degradedDetail(p: DegradedPeriod, baseline: number | null): string {
  const p95 = p.worstP95 === null ? '' : `p95 up to ${Math.round(p.worstP95)}ms`;
  if (p.failed === 0)
    return `latency only: ${p95}${baseline === null ? '' : ` against ${Math.round(baseline)}ms at baseline`}`;
  const how = [
    p.rejected > 0 ? `${p.rejected} with 401/403` : '',
    p.broken > 0 ? `${p.broken} with 5xx or a transport error` : '',
  ].filter((x) => x !== '');
  return `${p.failed} of ${p.requests} requests expecting success failed${how.length === 0 ? '' : ` (${how.join(', ')})`}${p95 === '' ? '' : `; ${p95}`}`;
}

function timelineOf(
  s: ScenarioResult,
  degraded: readonly DegradedPeriod[],
  detection: readonly Detection[],
): IncidentEvent[] {
  const baseline = baselineP95(s);
  const events: IncidentEvent[] = s.timeline.map((e) => ({
    atMs: e.atMs,
    kind: classify(e),
    what: e.what,
    ok: e.ok,
    ...(e.detail === undefined ? {} : { detail: e.detail }),
  }));
  for (const p of degraded) {
    events.push({
      atMs: p.fromMs,
      kind: 'sut',
      what: 'SUT degraded',
      ok: false,
      detail: degradedDetail(p, baseline),
    });
    events.push(
      p.openAtEnd
        ? { atMs: p.toMs, kind: 'sut', what: 'SUT still degraded when the run ended', ok: false }
        : { atMs: p.toMs, kind: 'sut', what: 'SUT recovered', ok: true },
    );
  }
  for (const d of detection) {
    if (d.pendingMs !== undefined)
      events.push({ atMs: d.pendingMs, kind: 'alert', what: `alert ${d.alert} pending`, ok: true });
    if (d.firingMs !== undefined)
      events.push({
        atMs: d.firingMs,
        kind: 'alert',
        what: `alert ${d.alert} firing`,
        ok: d.status !== 'fail',
        ...(d.timeToDetectMs === undefined
          ? {}
          : { detail: `time to detect ${formatDuration(d.timeToDetectMs)}` }),
      });
  }
  return events.sort((a, b) => a.atMs - b.atMs);
}

function evidenceOf(s: ScenarioResult): Evidence {
  const peak = s.series.reduce<{ fetches: number; atS: number } | null>(
    (best, p) => (p.jwksFetches > (best?.fetches ?? 0) ? { fetches: p.jwksFetches, atS: p.t } : best),
    null,
  );
  return {
    jwksFetches: s.idp.jwksFetches,
    peakConcurrentJwksFetches: s.idp.peakConcurrentJwksFetches,
    peakFetchesPerSecond: peak,
    fetchesPerInstance: s.idp.fetchesPerInstance,
    unknownKidFetches: s.idp.unknownKidFetches,
    droppedStarts: s.load.droppedStarts,
    lateStarts: s.load.lateStarts,
    logMatches: s.logMatches,
    sutCounters: s.sutCounters,
  };
}

/** Breached strict SLOs, unmet premises, failed or inconclusive alerts, a harness error. */
export function causesOf(s: ScenarioResult): string[] {
  const causes: string[] = [];
  if (s.error !== undefined) causes.push(`harness failure: ${s.error}`);
  if (s.skipReason !== undefined) causes.push(`skipped: ${s.skipReason}`);
  for (const p of s.preconditions.filter((x) => !x.met)) causes.push(`premise not met: ${p.premise}`);
  for (const v of s.slos.filter((x) => x.status === 'fail'))
    causes.push(`breached: ${v.metric} ${v.expression} @ ${v.window}`);
  for (const a of (s.alerts ?? []).filter((x) => x.status === 'fail' || x.status === 'inconclusive'))
    causes.push(`alert ${a.alert} ${a.status}: ${a.reason}`);
  return causes;
}

/** What was injected, in a phrase: the faults with their spans, then the actions. */
function injectedOf(s: ScenarioResult): string {
  const faults = s.windows
    .filter((w) => w.kind === 'fault')
    .map((w) => {
      const kind = s.timeline.find((e) => e.what.startsWith(`fault ${w.name} applied`))?.detail;
      return `${w.name}${kind === undefined ? '' : ` (${kind})`} from +${formatDuration(w.fromMs)} to +${formatDuration(w.toMs)}`;
    });
  const actions = s.timeline
    .filter((e) => classify(e) === 'action')
    .map((e) => `${e.what.split(' ')[0] ?? e.what} at +${formatDuration(e.atMs)}`);
  const parts = [];
  if (faults.length > 0) parts.push(`fault${faults.length > 1 ? 's' : ''} ${faults.join(' and ')}`);
  if (actions.length > 0) parts.push(actions.join(', '));
  return parts.length === 0 ? 'no fault (steady traffic)' : parts.join('; ');
}

function summaryOf(s: ScenarioResult, impact: Impact): string {
  if (s.status === 'skipped') return `Skipped: ${s.skipReason ?? 'not applicable to this SUT'}.`;
  const what =
    impact.failed === 0
      ? `no request expecting success failed (${impact.positiveRequests} sent)`
      : `${impact.failed} of ${impact.positiveRequests} requests expecting success failed` +
        (impact.rejected > 0 ? `, ${impact.rejected} of them with 401/403` : '');
  const latency =
    impact.faultP95 !== null && impact.baselineP95 !== null
      ? `; p95 ${Math.round(impact.faultP95.p95)}ms during ${impact.faultP95.window} against ${Math.round(impact.baselineP95)}ms at baseline`
      : '';
  const ttr =
    impact.timeToRecoverMs === undefined || lastFaultEndMs(s) === undefined
      ? ''
      : impact.timeToRecoverMs === null
        ? '; not recovered when the run ended'
        : impact.timeToRecoverMs === 0
          ? '; healthy as soon as the last fault was lifted'
          : `; recovered ${formatDuration(impact.timeToRecoverMs)} after the last fault was lifted`;
  const causes = causesOf(s);
  const verdict = `Verdict: ${s.status}${causes.length === 0 ? '' : ` (${causes.slice(0, 3).join('; ')}${causes.length > 3 ? '; …' : ''})`}.`;
  return `Injected ${injectedOf(s)}. ${what[0]?.toUpperCase() ?? ''}${what.slice(1)}${latency}${ttr}. ${verdict}`;
}
