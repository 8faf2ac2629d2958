/**
 * What a finished run hands back: a plain-JSON summary (for summary.json and `--json`) and
 * windowed reads over the per-second buckets for the SLO evaluator.
 */
import type { LatencySummary } from './histogram.ts';
import type { LoadRecorder, SeriesPoint, StatsJson, WindowView } from './recorder.ts';

/** What happened in one phase of the timeline. */
export interface PhaseReport {
  name: string;
  type: 'arrival' | 'closed' | 'burst' | 'pause';
  /** When the phase actually began and ended, ms since the run started. */
  startMs: number;
  endMs: number;
  /** Starts the phase attempted (made + dropped). */
  scheduled: number;
  dropped: number;
  /** Why it ended: its duration ran out, its count cap was reached, or the run was aborted. */
  endedBy: 'time' | 'count' | 'abort';
}

/** The warm-up before the clock started (see `LoadOptions.warmup`). */
export interface WarmupReport {
  /** Connections it tried to open (one request each). */
  connections: number;
  requests: number;
  /** Requests that got any HTTP status (the connection opened). */
  ok: number;
  /** Requests that got no status (the connection did not open, or timed out). */
  failed: number;
  durationMs: number;
}

/**
 * Corrected latency percentiles (ms) with every dropped start counted as slower than any
 * response; null where the percentile falls among the drops.
 */
export interface PercentilesCountingDrops {
  dropped: number;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  p99_9: number | null;
}

/** The JSON summary of a load run. Latencies in ms, times in ms since the run started. */
export interface LoadSummary {
  target: string;
  startedAt: string;
  /** From the first start to the end of the drain. */
  durationMs: number;
  /** Time over which starts were made (end of the last phase). */
  scheduleMs: number;
  aborted: boolean;
  settings: { connections: number; maxInFlight: number; timeoutMs: number; lateThresholdMs: number };
  phases: PhaseReport[];
  /** Requests that ended per second, from the first phase's start to the last phase's end. */
  achievedRate: number;
  /** Most requests in flight (queued for a connection or on the wire) at any time. */
  peakInFlight: number;
  totals: StatsJson;
  /** Send time − intended time over all starts: scheduler lag plus any wait for the source or a connection. */
  startLag: LatencySummary;
  /**
   * When the engine made each start − when it was due: the scheduler's own precision. Open-model
   * and burst starts only (a virtual user's start is due when it is made).
   */
  scheduleLag: LatencySummary;
  kinds: Record<string, StatsJson>;
  /** Requests the source failed to produce (it threw, or named a forbidden host); the first message. */
  sourceErrors: { count: number; first?: string };
  series: SeriesPoint[];
  /** The warm-up, when there was one; never part of the figures above. */
  warmup?: WarmupReport;
  /** Things a reader must not miss (dropped starts with the cap to raise, a failed warm-up). */
  warnings: string[];
  /**
   * Present when starts were dropped: `totals.latency.corrected` leaves dropped starts out
   * (they have no latency); these percentiles count them as slower than any response.
   */
  correctedCountingDrops?: PercentilesCountingDrops;
}

export class LoadResult {
  constructor(
    readonly summary: LoadSummary,
    private readonly recorder: LoadRecorder,
  ) {}

  /**
   * Figures for [fromMs, toMs) from the per-second buckets (widened to whole seconds; per-second
   * histograms keep 2 significant digits). Without arguments: the whole run from the 3-digit
   * run totals.
   */
  window(fromMs?: number, toMs?: number): WindowView {
    if (fromMs === undefined && toMs === undefined) return this.recorder.whole(this.summary.durationMs);
    return this.recorder.window(fromMs ?? 0, toMs ?? this.summary.durationMs + 1000);
  }

  toJSON(): LoadSummary {
    return this.summary;
  }
}
