/**
 * Alert verification: would the team's alerts have fired during this drill, and how fast?
 *
 * The scenario runner calls {@link startAlertRecording} when the SUT is up (before the load) and
 * `stop()` when the load ends, then {@link judgeAlerts} with the run's report directory, the rule
 * files, the fault's start and the scenario's `expectAlerts` / `silentAlerts`. Evaluation is
 * Prometheus's own engine (`promtool test rules`) over the recorded series.
 */
import { fileURLToPath } from 'node:url';
import { ValidationError } from '../errors.ts';
import { tryParseDuration } from '../util/duration.ts';
import { evaluateOffline, type AlertObservation } from './evaluate.ts';
import { readRecording, recordedSpanMs, type RecordedSeries } from './recording.ts';
import { relabelProblems, type RelabelMap } from './relabel.ts';
import { checkRuleFiles } from './promtool.ts';
import { readAlertRules, RuleFileError } from './rule-files.ts';
import { alertVerdicts, expectationProblems, type AlertVerdict } from './verdicts.ts';

export { startAlertRecording } from './recorder.ts';
export { assertPromtool } from './promtool.ts';
export { createClientSeries } from './client-series.ts';
export type { ClientSeries } from './client-series.ts';
export type { AlertRecording, AlertRecordingOptions, ScrapeTarget } from './recorder.ts';
export { readRecording, writeRecording } from './recording.ts';
export type { RecordedSeries } from './recording.ts';
export type { RelabelMap } from './relabel.ts';
export type { AlertVerdict, AlertVerdictStatus } from './verdicts.ts';
export type { AlertObservation } from './evaluate.ts';
export { startLivePrometheus, attachLive } from './live.ts';
export type { LivePrometheus, LiveOptions, LiveTarget } from './live.ts';
export { readAlertRules, resolveRuleFiles } from './rule-files.ts';
export { alertVerdicts } from './verdicts.ts';

/** keystorm's shipped rules: `drill` (windows a one-minute drill can fill) or `production`. */
export function shippedRuleFiles(scale: 'drill' | 'production' = 'drill'): string[] {
  const path = scale === 'drill' ? '../../alerts/drill/auth.rules.yml' : '../../alerts/auth.rules.yml';
  return [fileURLToPath(new URL(path, import.meta.url))];
}

/** A scenario's alert expectations (see ScenarioInput.expectAlerts / silentAlerts). */
export interface AlertExpectations {
  readonly expectAlerts?: Readonly<Record<string, { readonly within: string | number }>>;
  readonly silentAlerts?: readonly string[];
}

export interface JudgeAlertsInput extends AlertExpectations {
  /** The run's alert directory: series.json, rules/ and alerts.test.yml are written here. */
  readonly dir: string;
  /** The recorded series; omitted = read `dir/series.json` (re-judging a past run's directory). */
  readonly recording?: RecordedSeries;
  readonly ruleFiles: readonly string[];
  /** Wall clock (epoch ms) the fault started; undefined for a run without a fault. */
  readonly faultStartMs?: number;
  /** Maps a team's metric names onto recorded series. */
  readonly relabel?: RelabelMap;
  /** Also report rules nobody set an expectation for (what `--alerts` files get). Default true. */
  readonly reportOthers?: boolean;
  /** promtool binary (default: PROMTOOL or `promtool` on PATH). */
  readonly promtool?: string;
}

export interface AlertJudgement {
  readonly verdicts: AlertVerdict[];
  readonly observations: ReadonlyMap<string, AlertObservation>;
  /** The generated promtool test file (re-run it: `promtool test rules <file>`). */
  readonly testFile: string;
}

/**
 * Problems with alert expectations and relabel, by path, without running anything (exit 2).
 * Rule names are checked by {@link judgeAlerts} once the rule files are read.
 */
export function alertInputProblems(
  input: AlertExpectations & { relabel?: unknown },
): { path: string; message: string }[] {
  const problems = relabelProblems(input.relabel);
  for (const [name, e] of Object.entries(input.expectAlerts ?? {})) {
    const within = (e as { within?: unknown } | null)?.within;
    if (
      (typeof within !== 'string' && typeof within !== 'number') ||
      tryParseDuration(within) === undefined
    ) {
      problems.push({ path: `expectAlerts.${name}.within`, message: 'must be a duration such as 90s or 2m' });
    }
  }
  return problems;
}

/**
 * Checks the rule files (promtool check rules; broken files → ValidationError naming each file
 * with promtool's message, exit 2), evaluates them over the recording with promtool test rules
 * and returns one verdict per expectation (and per other rule when reportOthers).
 */
export async function judgeAlerts(input: JudgeAlertsInput): Promise<AlertJudgement> {
  const recording = input.recording ?? (await readRecording(input.dir));
  await checkRuleFiles(input.ruleFiles, input.promtool);
  let rules;
  try {
    rules = await readAlertRules(input.ruleFiles);
  } catch (error) {
    if (error instanceof RuleFileError) {
      throw new ValidationError('alert rule files', [{ path: error.file, message: error.message }]);
    }
    throw error;
  }
  const expectFiring: Record<string, number> = {};
  for (const [name, e] of Object.entries(input.expectAlerts ?? {})) {
    expectFiring[name] = tryParseDuration(e.within) ?? 0;
  }
  const silent = input.silentAlerts ?? [];
  const problems = [...alertInputProblems(input), ...expectationProblems(rules, expectFiring, silent)];
  if (problems.length > 0) throw new ValidationError('alert expectations', problems);
  const evaluation = await evaluateOffline({
    dir: input.dir,
    recording,
    ruleFiles: input.ruleFiles,
    ...(input.faultStartMs === undefined ? {} : { faultStartMs: input.faultStartMs }),
    ...(input.relabel === undefined ? {} : { relabel: input.relabel }),
    ...(input.promtool === undefined ? {} : { promtool: input.promtool }),
  });
  const verdicts = alertVerdicts({
    rules,
    observations: evaluation.observations,
    expectFiring,
    expectSilent: silent,
    reportOthers: input.reportOthers ?? true,
    recordedFromMs: recording.startedAtMs,
    recordedToMs: recording.startedAtMs + recordedSpanMs(recording),
    faultStartMs: input.faultStartMs,
  });
  return { verdicts, observations: evaluation.observations, testFile: evaluation.testFile };
}
