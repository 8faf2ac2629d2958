/**
 * Reads Playwright's JSON report (`--reporter=json`) of a one-spec run: the outcome, duration,
 * first error and the failure attachments of its test. Only the fields used here are typed.
 */
import type { JourneyOutcome } from './types.ts';

interface JsonResult {
  status?: string;
  duration?: number;
  errors?: { message?: string }[];
  error?: { message?: string };
  attachments?: { name?: string; path?: string }[];
}
interface JsonSuite {
  suites?: JsonSuite[];
  specs?: { tests?: { results?: JsonResult[] }[] }[];
}
interface JsonReport {
  suites?: JsonSuite[];
  errors?: { message?: string }[];
}

/** What one run amounted to. */
export interface RunReading {
  readonly outcome: JourneyOutcome;
  readonly durationMs: number;
  readonly failure?: string;
  readonly screenshot?: string;
  readonly trace?: string;
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** Drops colour codes and Playwright's call log, keeping the message a person reads first. */
export function cleanMessage(text: string): string {
  const plain = text.replace(ANSI, '');
  const cut = plain.indexOf('\nCall log:');
  return (cut < 0 ? plain : plain.slice(0, cut)).trim();
}

function results(suites: readonly JsonSuite[]): JsonResult[] {
  return suites.flatMap((s) => [
    ...(s.specs ?? []).flatMap((spec) => (spec.tests ?? []).flatMap((t) => t.results ?? [])),
    ...results(s.suites ?? []),
  ]);
}

const OUTCOMES: readonly string[] = ['passed', 'failed', 'timedOut', 'interrupted'];

/**
 * The run's reading. Several tests in the spec: the first that did not pass decides, durations
 * add up. No test at all (a spec that failed to load): `error` with the report's own errors.
 */
export function readPlaywrightReport(report: unknown): RunReading {
  const json = (report ?? {}) as JsonReport;
  const all = results(json.suites ?? []);
  const loadErrors = (json.errors ?? []).map((e) => cleanMessage(e.message ?? '')).filter((m) => m !== '');
  if (all.length === 0) {
    return { outcome: 'error', durationMs: 0, failure: loadErrors.join('\n') || 'the spec ran no test' };
  }
  const durationMs = all.reduce((sum, r) => sum + (r.duration ?? 0), 0);
  const bad = all.find((r) => r.status !== 'passed' && r.status !== 'skipped');
  if (bad === undefined) return { outcome: 'passed', durationMs };
  const status = bad.status ?? 'failed';
  const message = bad.errors?.[0]?.message ?? bad.error?.message ?? `journey ${status}`;
  const path = (name: string): string | undefined => bad.attachments?.find((a) => a.name === name)?.path;
  const screenshot = path('screenshot');
  const trace = path('trace');
  return {
    outcome: OUTCOMES.includes(status) ? (status as JourneyOutcome) : 'failed',
    durationMs,
    failure: cleanMessage(message),
    ...(screenshot === undefined ? {} : { screenshot }),
    ...(trace === undefined ? {} : { trace }),
  };
}
