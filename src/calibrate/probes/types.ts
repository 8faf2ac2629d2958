/** What a probe gets and gives back. */
import type { MeasuredProfile } from '../../profile/schema.ts';
import type { CalibrationSession, Exchange, Fetch } from '../session.ts';

export interface ProbeContext {
  session: CalibrationSession;
  /** Longest a probe may wait for something to happen (ms). */
  budgetMs: number;
}

export interface ProbeResult {
  /** The profile fields and behaviours this probe measured (absent = not measured or not conclusive). */
  profile: MeasuredProfile;
  /** One line per finding: what was done, what was seen, what it means. */
  evidence: string[];
}

export interface Probe {
  name: ProbeName;
  /** One line for progress output. */
  summary: string;
  run(ctx: ProbeContext): Promise<ProbeResult>;
}

export const PROBE_NAMES = ['policies', 'coalescing', 'unknown-kid', 'outage', 'hang'] as const;
export type ProbeName = (typeof PROBE_NAMES)[number];

/** Highest number of fetches in flight at once. */
export function peakOverlap(fetches: readonly Fetch[]): number {
  const edges = fetches.flatMap((f) => [
    { t: f.start, d: 1 },
    { t: f.end, d: -1 },
  ]);
  // Ends before starts at the same instant: back-to-back fetches do not overlap.
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let peak = 0;
  for (const e of edges) {
    now += e.d;
    peak = Math.max(peak, now);
  }
  return peak;
}

/** A valid answer by the request's expectation (`sut.request.expect`, else 2xx/3xx). */
export function isOk(exchange: Exchange, expect: readonly number[] | undefined): boolean {
  const status = exchange.status;
  if (status === undefined) return false;
  return expect === undefined ? status >= 200 && status < 400 : expect.includes(status);
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Rounds a measured duration to a precision people can pin (10 ms under 10 s, 100 ms above). */
export function roundMs(ms: number): number {
  const step = ms < 10_000 ? 10 : 100;
  return Math.round(ms / step) * step;
}

/** `1 fetch`, `3 fetches`. */
export function countOf(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
