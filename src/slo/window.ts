/**
 * SLO windows: which part of the timeline a threshold judges. Abstract on purpose: the scenario
 * runner names its spans (baseline, faults, phases, recovery, run) and the SLO only says
 * `baseline`, `during:<name>`, `recovery`, `run` or an explicit interval.
 */
import { tryParseDuration, formatDuration } from '../util/duration.ts';

/** A window as written in a config. */
export type WindowInput =
  | 'baseline'
  | 'recovery'
  | 'run'
  | `during:${string}`
  /** `10s..30s`, `10s..` (to the end of the run). */
  | `${string}..${string}`
  | { from: string | number; to?: string | number };

/** A parsed window. Interval bounds are ms since the scenario started. */
export type WindowSpec =
  | { readonly type: 'baseline' | 'recovery' | 'run' }
  | { readonly type: 'during'; readonly name: string }
  | { readonly type: 'interval'; readonly fromMs: number; readonly toMs?: number };

/**
 * A named span of the timeline, as the scenario runner knows it (structurally the same as
 * `WindowSpan` in src/result/types.ts). `toMs` is absent while the span is still open
 * during a live run.
 */
export interface TimelineSpan {
  readonly name: string;
  readonly kind: 'phase' | 'fault' | 'baseline' | 'recovery' | 'run';
  readonly fromMs: number;
  readonly toMs?: number;
}

/** A window resolved to [fromMs, toMs), ms since the scenario started. */
export interface ResolvedWindow {
  readonly fromMs: number;
  readonly toMs: number;
}

/** Parses a window; returns an error message instead of throwing (config validation collects them). */
export function parseWindow(input: unknown): WindowSpec | { error: string } {
  if (typeof input === 'string') {
    const text = input.trim();
    if (text === 'baseline' || text === 'recovery' || text === 'run') return { type: text };
    if (text.startsWith('during:')) {
      const name = text.slice('during:'.length).trim();
      return name === '' ? { error: `'during:' needs a fault or phase name` } : { type: 'during', name };
    }
    const dots = text.indexOf('..');
    if (dots >= 0) return parseInterval(text.slice(0, dots), text.slice(dots + 2) || undefined);
    return {
      error: `${JSON.stringify(input)} is not a window (baseline, recovery, run, during:<name>, 10s..30s or {from, to})`,
    };
  }
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const { from, to, ...rest } = input as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length > 0) return { error: `unknown key '${extra[0]}' (a window object has from and to)` };
    if (typeof from !== 'string' && typeof from !== 'number') return { error: 'from: must be a duration' };
    if (to !== undefined && typeof to !== 'string' && typeof to !== 'number') {
      return { error: 'to: must be a duration' };
    }
    return parseInterval(from, to);
  }
  return { error: 'must be a window (baseline, recovery, run, during:<name>, 10s..30s or {from, to})' };
}

function parseInterval(
  from: string | number,
  to: string | number | undefined,
): WindowSpec | { error: string } {
  const fromMs = tryParseDuration(typeof from === 'string' ? from.trim() : from);
  if (fromMs === undefined) return { error: `from: ${JSON.stringify(from)} is not a duration` };
  if (to === undefined) return { type: 'interval', fromMs };
  const toMs = tryParseDuration(typeof to === 'string' ? to.trim() : to);
  if (toMs === undefined) return { error: `to: ${JSON.stringify(to)} is not a duration` };
  if (toMs <= fromMs)
    return { error: `to (${formatDuration(toMs)}) must be after from (${formatDuration(fromMs)})` };
  return { type: 'interval', fromMs, toMs };
}

/** Formats a window for ids and reports, the way users write it. */
export function formatWindow(spec: WindowSpec): string {
  switch (spec.type) {
    case 'during':
      return `during:${spec.name}`;
    case 'interval':
      return `${formatDuration(spec.fromMs)}..${spec.toMs === undefined ? '' : formatDuration(spec.toMs)}`;
    default:
      return spec.type;
  }
}

/**
 * Resolves a window against the timeline. Open spans (no `toMs` yet) and open intervals end at
 * `nowMs`, or at the end of the run span. Returns an error message when the timeline does not
 * have the span (yet): a `during:` name never seen, no baseline, no recovery …
 * Windows are clipped to `nowMs` when given, so a live evaluation never looks into the future.
 */
export function resolveWindow(
  spec: WindowSpec,
  timeline: readonly TimelineSpan[],
  nowMs?: number,
): ResolvedWindow | { error: string } {
  const run = timeline.find((s) => s.kind === 'run');
  const end = (toMs: number | undefined): number => {
    const candidates = [toMs, run?.toMs, nowMs].filter((v): v is number => v !== undefined);
    return candidates.length === 0 ? Infinity : Math.min(...candidates);
  };
  let span: TimelineSpan | undefined;
  switch (spec.type) {
    case 'interval':
      return clip({ fromMs: spec.fromMs, toMs: end(spec.toMs) }, nowMs);
    case 'during':
      span = timeline.find((s) => s.name === spec.name && (s.kind === 'fault' || s.kind === 'phase'));
      if (span === undefined) return { error: `no fault or phase named '${spec.name}' on the timeline` };
      break;
    case 'run':
      span = run ?? { name: 'run', kind: 'run', fromMs: 0 };
      break;
    default:
      span = timeline.find((s) => s.kind === spec.type);
      if (span === undefined) return { error: `the timeline has no ${spec.type} window` };
  }
  return clip({ fromMs: span.fromMs, toMs: end(span.toMs) }, nowMs);
}

function clip(window: ResolvedWindow, nowMs: number | undefined): ResolvedWindow {
  const toMs = nowMs === undefined ? window.toMs : Math.min(window.toMs, nowMs);
  return { fromMs: window.fromMs, toMs: Math.max(window.fromMs, toMs) };
}

/**
 * Builds the standard spans from a run's faults and phases: `baseline` from the start to the
 * first fault, `recovery` from the end of the last fault to the end of the run, `run` for all.
 * For runners that do not mark baseline and recovery themselves.
 */
export function standardTimeline(input: {
  runEndMs?: number;
  faults?: readonly { name: string; fromMs: number; toMs?: number }[];
  phases?: readonly { name: string; fromMs: number; toMs?: number }[];
}): TimelineSpan[] {
  const faults = input.faults ?? [];
  const spans: TimelineSpan[] = [];
  spans.push(withEnd({ name: 'run', kind: 'run', fromMs: 0 }, input.runEndMs));
  for (const p of input.phases ?? [])
    spans.push(withEnd({ name: p.name, kind: 'phase', fromMs: p.fromMs }, p.toMs));
  for (const f of faults) spans.push(withEnd({ name: f.name, kind: 'fault', fromMs: f.fromMs }, f.toMs));
  const firstFault = faults.length === 0 ? undefined : Math.min(...faults.map((f) => f.fromMs));
  spans.push(withEnd({ name: 'baseline', kind: 'baseline', fromMs: 0 }, firstFault ?? input.runEndMs));
  if (faults.length > 0 && faults.every((f) => f.toMs !== undefined)) {
    const lastEnd = Math.max(...faults.map((f) => f.toMs ?? 0));
    spans.push(withEnd({ name: 'recovery', kind: 'recovery', fromMs: lastEnd }, input.runEndMs));
  }
  return spans;
}

function withEnd(span: TimelineSpan, toMs: number | undefined): TimelineSpan {
  return toMs === undefined ? span : { ...span, toMs };
}
