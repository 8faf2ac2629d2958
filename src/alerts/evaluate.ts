/**
 * The offline route: evaluates rule files over a recording with `promtool test rules` and reads
 * back, per alert, when it was pending and when it fired. Everything promtool needs is written
 * into one directory (series.json, rules/, alerts.test.yml), so anyone can re-run it by hand.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { HarnessError } from '../errors.ts';
import { runPromtool } from './promtool.ts';
import { writeRecording, type RecordedSeries } from './recording.ts';
import type { RelabelMap } from './relabel.ts';
import { QUERY_LABEL, buildTestFile, type QueryName } from './test-file.ts';

export const TEST_FILE = 'alerts.test.yml';

/** What promtool saw of one alert (all its label sets together); times are epoch ms. */
export interface AlertObservation {
  readonly alert: string;
  readonly firstPendingAtMs: number | undefined;
  readonly firstFiringAtMs: number | undefined;
  readonly lastFiringAtMs: number | undefined;
  /** First pending/firing at or after the fault (undefined when no fault was given). */
  readonly firstPendingAfterFaultAtMs: number | undefined;
  readonly firstFiringAfterFaultAtMs: number | undefined;
  /** The label sets (besides alertname/alertstate) it fired with, e.g. one per provider. */
  readonly firingLabels: readonly Readonly<Record<string, string>>[];
}

export interface OfflineEvaluation {
  readonly dir: string;
  readonly testFile: string;
  /** Alerts that were pending or firing at some point; an alert absent here never was. */
  readonly observations: ReadonlyMap<string, AlertObservation>;
  readonly promtoolOutput: string;
}

export interface OfflineInput {
  /** Directory for series.json, rules/ and the test file (created). */
  readonly dir: string;
  readonly recording: RecordedSeries;
  readonly ruleFiles: readonly string[];
  /** Wall clock (epoch ms) of the fault; undefined for a run without one. */
  readonly faultStartMs?: number;
  readonly relabel?: RelabelMap;
  readonly promtool?: string;
}

/**
 * Writes the directory and evaluates. The rule files should have passed `checkRuleFiles` (which
 * names each broken file); here a broken file is a harness error with promtool's output.
 */
export async function evaluateOffline(input: OfflineInput): Promise<OfflineEvaluation> {
  const { dir, recording } = input;
  await mkdir(join(dir, 'rules'), { recursive: true });
  await writeRecording(dir, recording);
  const copied: string[] = [];
  for (const [i, file] of input.ruleFiles.entries()) {
    const name = join('rules', `${i + 1}-${basename(file)}`);
    await copyFile(file, join(dir, name));
    copied.push(name);
  }
  const faultAtSeconds =
    input.faultStartMs === undefined ? undefined : (input.faultStartMs - recording.startedAtMs) / 1000;
  const testFile = join(dir, TEST_FILE);
  await writeFile(
    testFile,
    buildTestFile({
      recording,
      ruleFiles: copied,
      ...(faultAtSeconds === undefined ? {} : { faultAtSeconds }),
      ...(input.relabel === undefined ? {} : { relabel: input.relabel }),
    }),
  );
  const { code, output } = await runPromtool(['test', 'rules', TEST_FILE], {
    cwd: dir,
    ...(input.promtool === undefined ? {} : { binary: input.promtool }),
  });
  const samples = parseGotSamples(output);
  if (code !== 0 && samples.length === 0) {
    throw new HarnessError('ERR_INTERNAL', `promtool test rules ${testFile} failed:\n${output.trim()}`);
  }
  return {
    dir,
    testFile,
    observations: toObservations(samples, recording.startedAtMs),
    promtoolOutput: output,
  };
}

interface GotSample {
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Every `{labels} value` sample on promtool's `got:` lines. */
export function parseGotSamples(output: string): GotSample[] {
  const samples: GotSample[] = [];
  for (const line of output.split('\n')) {
    const got = /^\s*got:\s*(.*)$/.exec(line)?.[1];
    if (got === undefined) continue;
    for (const m of got.matchAll(/\{((?:[^"}]|"(?:[^"\\]|\\.)*")*)\}\s+(\S+?)(?:,|$)/g)) {
      const labels: Record<string, string> = {};
      for (const l of (m[1] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
        labels[l[1] ?? ''] = JSON.parse(`"${l[2] ?? ''}"`) as string;
      }
      samples.push({ labels, value: Number(m[2]) });
    }
  }
  return samples;
}

function toObservations(samples: readonly GotSample[], startedAtMs: number): Map<string, AlertObservation> {
  const byAlert = new Map<string, Map<QueryName, number>>();
  const labelsByAlert = new Map<string, Map<string, Record<string, string>>>();
  for (const { labels, value } of samples) {
    const { alertname, alertstate, [QUERY_LABEL]: query, ...rest } = labels;
    if (alertname === undefined || query === undefined || !Number.isFinite(value)) continue;
    const at = startedAtMs + value * 1000;
    const times = byAlert.get(alertname) ?? new Map<QueryName, number>();
    byAlert.set(alertname, times);
    const q = query as QueryName;
    const previous = times.get(q);
    const later = q === 'last_firing';
    if (previous === undefined || (later ? at > previous : at < previous)) times.set(q, at);
    if (alertstate === 'firing') {
      const sets = labelsByAlert.get(alertname) ?? new Map<string, Record<string, string>>();
      labelsByAlert.set(alertname, sets);
      sets.set(JSON.stringify(rest), rest);
    }
  }
  const out = new Map<string, AlertObservation>();
  for (const [alert, times] of byAlert) {
    out.set(alert, {
      alert,
      firstPendingAtMs: times.get('first_pending'),
      firstFiringAtMs: times.get('first_firing'),
      lastFiringAtMs: times.get('last_firing'),
      firstPendingAfterFaultAtMs: times.get('first_pending_after_fault'),
      firstFiringAfterFaultAtMs: times.get('first_firing_after_fault'),
      firingLabels: [...(labelsByAlert.get(alert)?.values() ?? [])],
    });
  }
  return out;
}
