/**
 * Alert verification for one scenario: "would our alerts have fired, and how fast?" While the
 * load plays, the SUT's and mock-idp's /metrics and keystorm's own client-side series are
 * recorded every second; afterwards Prometheus's own engine (promtool test rules) evaluates the
 * shipped drill-scale rules and the team's rule files over the recording. The scenario's
 * `expectAlerts` / `silentAlerts` become verdicts like SLOs: a rule that could not have fired in
 * the time given is inconclusive, never a silent pass. Everything is kept in `<report>/alerts/<scenario>`.
 */
import { join } from 'node:path';
import { createClientSeries, judgeAlerts, shippedRuleFiles, startAlertRecording } from '../alerts/index.ts';
import type {
  AlertRecording,
  AlertVerdict,
  ClientSeries,
  RelabelMap,
  ScrapeTarget,
} from '../alerts/index.ts';
import type { RequestSample } from '../load/engine.ts';
import type { PreconditionVerdict } from '../result/types.ts';
import type { ScenarioInput } from './define.ts';

/** The run's alert settings: a team's own rule files (`--alerts`) and their metric-name mapping. */
export interface AlertSettings {
  files: readonly string[];
  relabel?: RelabelMap;
}

/** True when the scenario or the run asks for alert verification. */
export function wantsAlerts(scenario: ScenarioInput, settings: AlertSettings | undefined): boolean {
  return (
    Object.keys(scenario.expectAlerts ?? {}).length > 0 ||
    (scenario.silentAlerts ?? []).length > 0 ||
    (settings?.files.length ?? 0) > 0
  );
}

/** A recording in progress: feed it the load's requests, then stop and judge. */
export class AlertCheck {
  readonly #client: ClientSeries;
  readonly #recording: AlertRecording;

  constructor(targets: readonly ScrapeTarget[], signal: AbortSignal) {
    this.#client = createClientSeries();
    this.#recording = startAlertRecording({
      targets: [...targets, this.#client.target],
      intervalMs: 1000,
      signal,
    });
  }

  /** The load engine's per-request observer. */
  observe(sample: RequestSample): void {
    this.#client.observe(sample);
  }

  /**
   * Stops recording and judges the rules. `faultStartMs` (epoch ms) is when the first fault was
   * in force; time to detect counts from there.
   */
  async judge(input: {
    scenario: ScenarioInput;
    settings: AlertSettings | undefined;
    reportDir: string;
    faultStartMs: number | undefined;
  }): Promise<AlertVerdict[]> {
    const recording = await this.#recording.stop();
    const judgement = await judgeAlerts({
      dir: join(input.reportDir, 'alerts', input.scenario.name),
      recording,
      ruleFiles: [...shippedRuleFiles('drill'), ...(input.settings?.files ?? [])],
      ...(input.faultStartMs === undefined ? {} : { faultStartMs: input.faultStartMs }),
      ...(input.scenario.expectAlerts === undefined ? {} : { expectAlerts: input.scenario.expectAlerts }),
      ...(input.scenario.silentAlerts === undefined ? {} : { silentAlerts: input.scenario.silentAlerts }),
      ...(input.settings?.relabel === undefined ? {} : { relabel: input.settings.relabel }),
      // The shipped rules nobody set an expectation for stay quiet; a team's own files are reported whole.
      reportOthers: (input.settings?.files.length ?? 0) > 0,
    });
    return judgement.verdicts;
  }
}

/**
 * A drill whose premise did not hold proved nothing about detection either: an expected alert
 * that did not fire is then `inconclusive` (there may have been nothing to detect), never a
 * missed detection. Verdicts of alerts that fired, and silence verdicts, stand as judged.
 */
export function withUnmetPremises(
  verdicts: readonly AlertVerdict[],
  preconditions: readonly PreconditionVerdict[],
): AlertVerdict[] {
  const unmet = preconditions.filter((p) => !p.met);
  if (unmet.length === 0) return [...verdicts];
  const why = unmet.map((p) => p.premise).join('; ');
  return verdicts.map((v) =>
    v.expected === 'fire' && !v.fired && v.status === 'fail'
      ? {
          ...v,
          status: 'inconclusive',
          reason: `${v.reason}, but the drill's premise did not hold (${why}): nothing to detect`,
        }
      : v,
  );
}
