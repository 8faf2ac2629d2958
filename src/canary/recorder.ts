/**
 * Collects probe results as they come: tallies per probe and request (with a latency
 * histogram), failures grouped by cause, and the per-window figures. Listeners hear every
 * result and every closed window (the Pushgateway pusher and the live progress line).
 */
import type { JsHistogram } from 'hdr-histogram-js';
import { brief, createLatencyHistogram, recordMs } from '../load/histogram.ts';
import {
  VALID_PROBES,
  type CanaryWindow,
  type FailureGroup,
  type ProbeResult,
  type ProbeTally,
} from './result.ts';

export interface RecorderListener {
  onResult?(result: ProbeResult): void;
  onWindow?(window: CanaryWindow): void;
}

interface TallyState {
  tally: Omit<ProbeTally, 'p50' | 'p95' | 'max'>;
  latency: JsHistogram;
}

interface WindowState {
  fromMs: number;
  requests: number;
  failures: number;
  statuses: Record<string, number>;
  latency: JsHistogram;
  reused: { requests: number; failures: number };
}

const DETAIL_CHARS = 300;

/** The label a result is counted under: its status, or the error's kind. */
export function outcomeOf(result: ProbeResult): string {
  if (result.status !== null) return String(result.status);
  return result.error ?? 'error';
}

export class CanaryRecorder {
  private readonly tallies = new Map<string, TallyState>();
  private readonly failureGroups = new Map<string, FailureGroup>();
  private readonly closed: CanaryWindow[] = [];
  private current: WindowState;
  private readonly listeners: RecorderListener[] = [];

  constructor(private readonly windowMs: number) {
    this.current = this.openWindow(0);
  }

  listen(listener: RecorderListener): void {
    this.listeners.push(listener);
  }

  /** Records one probe result; closes windows that ended before it. */
  record(result: ProbeResult): void {
    this.closeWindowsUntil(result.atMs);
    const judged = result.probe !== 'reused';
    this.countInTally(result, judged);
    this.countInWindow(result, judged);
    // The reused-token probe is not judged: its failures show in its tally, not as failures.
    if (!result.ok && judged) this.countFailure(result);
    for (const l of this.listeners) l.onResult?.(result);
  }

  /** Closes every window that ends at or before `nowMs` (empty ones too: a gap is a figure). */
  closeWindowsUntil(nowMs: number): void {
    while (nowMs >= this.current.fromMs + this.windowMs) {
      const window = this.freeze(this.current, this.current.fromMs + this.windowMs);
      this.closed.push(window);
      this.current = this.openWindow(window.toMs);
      for (const l of this.listeners) l.onWindow?.(window);
    }
  }

  /** Closes the open window at `endMs` (the end of the run), when it holds anything. */
  finish(endMs: number): void {
    this.closeWindowsUntil(endMs);
    if (this.current.requests > 0 || this.current.reused.requests > 0) {
      const window = this.freeze(this.current, endMs);
      this.closed.push(window);
      this.current = this.openWindow(endMs);
      for (const l of this.listeners) l.onWindow?.(window);
    }
  }

  get windows(): readonly CanaryWindow[] {
    return this.closed;
  }

  /** Tallies in a stable order: judged probes first, then by probe and request. */
  talliesSnapshot(): ProbeTally[] {
    return [...this.tallies.values()].map(({ tally, latency }) => {
      const b = latency.totalCount === 0 ? null : brief(latency);
      return {
        ...tally,
        statuses: { ...tally.statuses },
        p50: b?.p50 ?? null,
        p95: b?.p95 ?? null,
        max: b?.max ?? null,
      };
    });
  }

  failures(): FailureGroup[] {
    return [...this.failureGroups.values()].sort((a, b) => a.firstAtMs - b.firstAtMs);
  }

  /** Judged probes sent and failed so far. */
  judgedTotals(): { sent: number; failed: number } {
    let sent = 0;
    let failed = 0;
    for (const { tally } of this.tallies.values()) {
      if (!tally.judged) continue;
      sent += tally.sent;
      failed += tally.failed;
    }
    return { sent, failed };
  }

  private countInTally(result: ProbeResult, judged: boolean): void {
    const key = `${result.probe}\0${result.request}`;
    let state = this.tallies.get(key);
    if (state === undefined) {
      state = {
        tally: {
          probe: result.probe,
          request: result.request,
          expected: result.expected,
          judged,
          sent: 0,
          ok: 0,
          failed: 0,
          statuses: {},
        },
        latency: createLatencyHistogram(2),
      };
      this.tallies.set(key, state);
    }
    const t = state.tally;
    t.sent++;
    if (result.ok) t.ok++;
    else t.failed++;
    const outcome = outcomeOf(result);
    t.statuses[outcome] = (t.statuses[outcome] ?? 0) + 1;
    if (result.status !== null) recordMs(state.latency, result.durationMs);
  }

  private countInWindow(result: ProbeResult, judged: boolean): void {
    const w = this.current;
    if (!judged) {
      w.reused.requests++;
      if (!result.ok) w.reused.failures++;
      return;
    }
    w.requests++;
    if (!result.ok) w.failures++;
    // Outcomes and latency of valid traffic only: the negative cases' 401s would drown them.
    if (!VALID_PROBES.includes(result.probe)) return;
    const outcome = outcomeOf(result);
    w.statuses[outcome] = (w.statuses[outcome] ?? 0) + 1;
    if (result.status !== null) recordMs(w.latency, result.durationMs);
  }

  private countFailure(result: ProbeResult): void {
    const outcome = outcomeOf(result);
    const key = `${result.probe}\0${result.request}\0${outcome}`;
    const group = this.failureGroups.get(key);
    if (group !== undefined) {
      group.count++;
      group.lastAt = result.at;
      return;
    }
    this.failureGroups.set(key, {
      probe: result.probe,
      request: result.request,
      outcome,
      expected: result.expected,
      count: 1,
      firstAt: result.at,
      firstAtMs: result.atMs,
      lastAt: result.at,
      ...(result.detail === undefined ? {} : { detail: result.detail.slice(0, DETAIL_CHARS) }),
    });
  }

  private openWindow(fromMs: number): WindowState {
    return {
      fromMs,
      requests: 0,
      failures: 0,
      statuses: {},
      latency: createLatencyHistogram(2),
      reused: { requests: 0, failures: 0 },
    };
  }

  private freeze(w: WindowState, toMs: number): CanaryWindow {
    return {
      fromMs: w.fromMs,
      toMs,
      requests: w.requests,
      failures: w.failures,
      statuses: w.statuses,
      p95: w.latency.totalCount === 0 ? null : brief(w.latency).p95,
      reused: w.reused,
    };
  }
}
