/**
 * Reporter protocol (after Playwright's): every hook optional, one reporter per file, and a
 * fan-out (fanout.ts) that keeps one broken reporter from failing the run.
 */
import type { RunResult, ScenarioResult, TimelineEntry } from '../result/types.ts';

/** What a live progress line shows, sent about once a second while a scenario runs. */
export interface ProgressSnapshot {
  scenario: string;
  /** 1-based position of the scenario in the run. */
  index: number;
  total: number;
  phase: string;
  elapsedMs: number;
  requests: number;
  /** Share of requests whose outcome was not the expected one. */
  errorRate: number;
  p95: number | null;
  activeFaults: string[];
}

export interface RunInfo {
  scenarios: string[];
  outDir: string;
  seed: number;
  timeScale: number;
}

export interface Reporter {
  readonly name: string;
  onBegin?(info: RunInfo): void | Promise<void>;
  onProgress?(progress: ProgressSnapshot): void;
  onEvent?(scenario: string, entry: TimelineEntry): void;
  onScenarioEnd?(scenario: ScenarioResult): void | Promise<void>;
  /** Called once, also for interrupted or failed runs (then `run.status` says so). */
  onEnd?(run: RunResult, info: RunInfo): void | Promise<void>;
}
