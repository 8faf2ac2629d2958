/**
 * A load run whose requests are read from k6 output after the load is over: the engine's
 * LoadRun for drivers whose load keystorm does not make itself. While the load runs it reports
 * the scheduled phase and no requests (k6 shows its own progress); once the outputs are there,
 * every runner's requests are merged by time, aligned to scenario time and fed to `onRequest`
 * (the request log) and to a LoadRecorder, which gives the per-second series and the summary
 * the reports use — so windows, SLOs and reports work unchanged, judged once on the aggregate.
 *
 * Alignment: a k6 point's time is wall clock; scenario ms = point time − the epoch ms at which
 * keystorm started the scenario's timeline (`epochOriginMs`). Runners' clocks must agree with
 * keystorm's (NTP); points before the origin (an earlier run's file, a runner started early)
 * are left out and counted.
 */
import type { LoadOptions, LoadRun } from '../../load/engine.ts';
import { summarize } from '../../load/histogram.ts';
import { LoadRecorder } from '../../load/recorder.ts';
import { LoadResult } from '../../load/result.ts';
import type { LoadSummary, PhaseReport } from '../../load/result.ts';
import type { LoadDriverContext } from '../../scenario/load-driver.ts';
import { ingestK6Outputs, ingestWarnings, toRequestSample } from '../ingest/index.ts';
import type { IngestReport } from '../ingest/index.ts';
import { phaseAt, plannedPhases } from './planned-phases.ts';
import type { PlannedPhase } from './planned-phases.ts';

/** What produced the outputs: the files, and anything the reader must know (one line each). */
export interface ProducedOutputs {
  files: string[];
  notes: string[];
}

export interface IngestedRunOptions {
  options: LoadOptions;
  context: LoadDriverContext;
  /** Runs or awaits the load; resolves with its output files once they are complete. */
  produce: (signal: AbortSignal) => Promise<ProducedOutputs>;
  /** Where warnings go as they are found (the console). */
  warn?: (line: string) => void;
}

/** Requests left out because they ended before scenario time 0. */
interface Alignment {
  early: number;
  perPhase: Map<string, { requests: number; dropped: number }>;
}

export function ingestedLoadRun(run: IngestedRunOptions): LoadRun {
  const { options, context } = run;
  const phases = plannedPhases(options.phases);
  const recorder = new LoadRecorder(5);
  const startedAt = new Date(context.epochOriginMs);
  const signal = options.signal ?? new AbortController().signal;
  let finished = false;
  const done = (async (): Promise<LoadResult> => {
    const produced = await run.produce(signal);
    const alignment: Alignment = { early: 0, perPhase: new Map() };
    const report = await ingestK6Outputs(produced.files, {
      scenario: context.scenario,
      // Interrupted: stop reading (a multi-GB output must not hold up Ctrl-C); the partial report says so.
      signal,
      onRequest: (request) => {
        const sample = toRequestSample(request, context.epochOriginMs);
        if (sample.doneMs < 0) {
          alignment.early++;
          return;
        }
        tally(alignment, request.phase ?? phaseAt(phases, sample.intendedMs)).requests++;
        recorder.sent(sample.kind, sample.intendedMs, sample.sentMs);
        recorder.completed(
          sample.kind,
          sample.expect,
          sample.status,
          sample.error,
          sample.intendedMs,
          sample.sentMs,
          sample.doneMs,
        );
        options.onRequest?.(sample);
      },
      onDropped: (atMs, count) => {
        const ms = atMs - context.epochOriginMs;
        if (ms < 0) return;
        tally(alignment, phaseAt(phases, ms)).dropped += count;
        recorder.dropped(ms, count);
      },
    });
    const warnings = [
      ...produced.notes,
      ...ingestWarnings(report),
      ...alignmentWarnings(report, alignment, context),
    ];
    for (const w of warnings) run.warn?.(w);
    const endMs = Math.max(
      phases[phases.length - 1]?.endMs ?? 0,
      (report.lastRequestMs ?? 0) - context.epochOriginMs,
    );
    recorder.finish(endMs);
    finished = true;
    return new LoadResult(
      summaryOf(run, phases, recorder, alignment, endMs, warnings, signal.aborted),
      recorder,
    );
  })();
  return {
    done,
    startedAt,
    elapsedMs: context.elapsedMs,
    snapshot: () => {
      const now = context.elapsedMs();
      return {
        ...(finished ? recorder.snapshot(now) : idleSnapshot(now)),
        inFlight: 0,
        phase: phaseAt(phases, now),
      };
    },
    window: (fromMs, toMs) => recorder.window(fromMs, toMs),
  };
}

function tally(alignment: Alignment, phase: string): { requests: number; dropped: number } {
  let t = alignment.perPhase.get(phase);
  if (t === undefined) alignment.perPhase.set(phase, (t = { requests: 0, dropped: 0 }));
  return t;
}

function idleSnapshot(elapsedMs: number): ReturnType<LoadRecorder['snapshot']> {
  return {
    elapsedMs,
    requests: 0,
    started: 0,
    dropped: 0,
    late: 0,
    unexpected: 0,
    errorRate: 0,
    rollingRate: 0,
    rollingP95: Number.NaN,
  };
}

function alignmentWarnings(report: IngestReport, alignment: Alignment, context: LoadDriverContext): string[] {
  const warnings: string[] = [];
  if (alignment.early > 0)
    warnings.push(
      `k6 output: ${alignment.early} request(s) ended before the scenario's timeline started ` +
        `(${new Date(context.epochOriginMs).toISOString()}) and were left out (an older file, or a runner started too early)`,
    );
  const first = report.firstRequestMs;
  if (first !== undefined && first >= context.epochOriginMs)
    warnings.push(
      `k6 output: the first request ended ${Math.round(first - context.epochOriginMs)} ms into the timeline`,
    );
  return warnings;
}

function summaryOf(
  run: IngestedRunOptions,
  phases: readonly PlannedPhase[],
  recorder: LoadRecorder,
  alignment: Alignment,
  endMs: number,
  warnings: string[],
  aborted: boolean,
): LoadSummary {
  const whole = recorder.whole(endMs);
  const scheduleMs = phases[phases.length - 1]?.endMs ?? endMs;
  const reports: PhaseReport[] = phases.map((p) => {
    const t = alignment.perPhase.get(p.name) ?? { requests: 0, dropped: 0 };
    return {
      ...p,
      scheduled: t.requests + t.dropped,
      dropped: t.dropped,
      endedBy: aborted ? 'abort' : 'time',
    };
  });
  return {
    target: String(run.options.target),
    startedAt: new Date(run.context.epochOriginMs).toISOString(),
    durationMs: Math.round(endMs),
    scheduleMs: Math.round(scheduleMs),
    aborted,
    settings: { connections: 0, maxInFlight: 0, timeoutMs: 0, lateThresholdMs: recorder.lateThresholdMs },
    phases: reports,
    achievedRate: scheduleMs > 0 ? Math.round((whole.stats.requests / scheduleMs) * 1000 * 100) / 100 : 0,
    peakInFlight: 0,
    totals: whole.stats,
    startLag: summarize(recorder.startLag),
    scheduleLag: summarize(recorder.scheduleLag),
    kinds: whole.kinds,
    sourceErrors: { count: 0 },
    series: recorder.series(),
    warnings,
  };
}
