/**
 * One run of one journey spec: the Playwright CLI as a child process (its own process group, so
 * an abort stops its workers and browser too), JSON report to a file in the run's output
 * directory, screenshot and trace kept there only when the run failed.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPlaywrightReport, type RunReading } from './playwright-report.ts';

/** keystorm's Playwright configuration (the repository root's playwright.config.ts). */
export const PLAYWRIGHT_CONFIG = fileURLToPath(new URL('../../playwright.config.ts', import.meta.url));
const PLAYWRIGHT_CLI = createRequire(import.meta.url).resolve('@playwright/test/cli');

export interface RunOnceOptions {
  /** Absolute path of the spec. */
  readonly spec: string;
  /** The SUT's URL: the spec's `baseURL`. */
  readonly baseUrl: string;
  /** Where this run's report, screenshot and trace go (created; removed again when the run passed). */
  readonly outputDir: string;
  /** Chromium executable (see requireChromium). */
  readonly chromium: string;
  /** Playwright's test timeout, ms; the child is killed 15 s after it regardless. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Extra environment for the spec (e.g. KEYSTORM_JOURNEY_SETTLE_MS). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Runs the spec once and reads its result; a spec that cannot run at all reads as `error`. */
export async function runJourneyOnce(o: RunOnceOptions): Promise<RunReading> {
  mkdirSync(o.outputDir, { recursive: true });
  const reportFile = join(o.outputDir, 'report.json');
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      PLAYWRIGHT_CLI,
      'test',
      '--config',
      PLAYWRIGHT_CONFIG,
      '--reporter=json',
      '--output',
      o.outputDir,
      o.spec,
    ],
    {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        ...o.env,
        KEYSTORM_JOURNEY_BASE_URL: o.baseUrl,
        KEYSTORM_JOURNEY_DIR: dirname(o.spec),
        KEYSTORM_JOURNEY_TIMEOUT_MS: String(o.timeoutMs),
        KEYSTORM_CHROMIUM: o.chromium,
        PLAYWRIGHT_JSON_OUTPUT_FILE: reportFile,
        FORCE_COLOR: '0',
      },
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = once(child, 'exit');
  const signalGroup = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal); // the group we started: the CLI and its workers
    } catch {
      // already gone
    }
  };
  // SIGINT first: Playwright then closes its browsers (they run in process groups of their own,
  // out of reach of the group signal); SIGKILL after a grace period for whatever still runs.
  let hardKill: NodeJS.Timeout | undefined;
  const kill = (): void => {
    signalGroup('SIGINT');
    hardKill ??= setTimeout(() => signalGroup('SIGKILL'), 3000);
  };
  const guard = setTimeout(kill, o.timeoutMs + 15_000);
  o.signal?.addEventListener('abort', kill, { once: true });
  try {
    await exited;
  } finally {
    clearTimeout(guard);
    clearTimeout(hardKill);
    o.signal?.removeEventListener('abort', kill);
  }
  const reading = readReport(reportFile, stderr, performance.now() - started);
  if (reading.outcome === 'passed') rmSync(o.outputDir, { recursive: true, force: true });
  return reading;
}

function readReport(file: string, stderr: string, elapsedMs: number): RunReading {
  let report: unknown;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    const tail = stderr.trim().split('\n').slice(-8).join('\n');
    return {
      outcome: 'error',
      durationMs: Math.round(elapsedMs),
      failure: `Playwright wrote no report${tail === '' ? '' : `: ${tail}`}`,
    };
  }
  const reading = readPlaywrightReport(report);
  return reading.outcome === 'error' && reading.durationMs === 0
    ? { ...reading, durationMs: Math.round(elapsedMs) }
    : reading;
}
