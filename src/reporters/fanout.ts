import type { RunResult, ScenarioResult, TimelineEntry } from '../result/types.ts';
import type { ProgressSnapshot, Reporter, RunInfo } from './types.ts';

/**
 * Sends every hook to every reporter, isolating failures: a reporter that throws is reported
 * once on stderr and skipped from then on, and the run (and the other reporters) carry on.
 */
export class ReporterFanout implements Reporter {
  readonly name = 'fanout';
  readonly #reporters: Reporter[];
  readonly #broken = new Set<Reporter>();
  /** Errors raised by reporters, so the caller can mention them in the summary. */
  readonly failures: { reporter: string; hook: string; error: string }[] = [];

  constructor(reporters: Reporter[]) {
    this.#reporters = reporters;
  }

  async onBegin(info: RunInfo): Promise<void> {
    for (const r of this.#live()) await this.#guard(r, 'onBegin', () => r.onBegin?.(info));
  }

  onProgress(progress: ProgressSnapshot): void {
    for (const r of this.#live()) void this.#guard(r, 'onProgress', () => r.onProgress?.(progress));
  }

  onEvent(scenario: string, entry: TimelineEntry): void {
    for (const r of this.#live()) void this.#guard(r, 'onEvent', () => r.onEvent?.(scenario, entry));
  }

  async onScenarioEnd(scenario: ScenarioResult): Promise<void> {
    for (const r of this.#live()) await this.#guard(r, 'onScenarioEnd', () => r.onScenarioEnd?.(scenario));
  }

  async onEnd(run: RunResult, info: RunInfo): Promise<void> {
    for (const r of this.#live()) await this.#guard(r, 'onEnd', () => r.onEnd?.(run, info));
  }

  #live(): Reporter[] {
    return this.#reporters.filter((r) => !this.#broken.has(r));
  }

  async #guard(reporter: Reporter, hook: string, call: () => void | Promise<void>): Promise<void> {
    try {
      await call();
    } catch (error) {
      this.#broken.add(reporter);
      const message = error instanceof Error ? error.message : String(error);
      this.failures.push({ reporter: reporter.name, hook, error: message });
      process.stderr.write(
        `keystorm: reporter ${reporter.name} failed in ${hook} (${message}); it is disabled for the rest of the run\n`,
      );
    }
  }
}
