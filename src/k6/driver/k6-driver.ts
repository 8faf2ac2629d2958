/**
 * `keystorm run --driver k6`: the load comes from a local k6. For each scenario keystorm writes
 * the k6 script (k6-export), starts `k6 run --out json=FILE` as a child in its own process
 * group when the timeline starts, stops it by PID on interrupt (like SUT processes), and reads
 * FILE when k6 exits. k6's console output goes to a log file beside it, not into keystorm's.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { HarnessError } from '../../errors.ts';
import type { LoadOptions } from '../../load/engine.ts';
import type { LoadDriver, LoadDriverContext } from '../../scenario/load-driver.ts';
import { trackChild } from '../../sut/child-registry.ts';
import { exited, stopChild } from '../../sut/stop-process.ts';
import type { ExitInfo } from '../../sut/stop-process.ts';
import { exportK6Script } from './export-script.ts';
import { ingestedLoadRun } from './ingested-run.ts';
import type { ProducedOutputs } from './ingested-run.ts';

/** k6's exit code when one of its own thresholds failed. */
const K6_THRESHOLDS_FAILED = 99;
/** Time k6 gets to write its last samples after SIGTERM before SIGKILL. */
const K6_STOP_GRACE_MS = 5000;

export interface K6DriverSettings {
  /** The k6 binary (see findK6). */
  binary: string;
  /** Where scripts, outputs and k6's log go (the report directory's `k6/`). */
  outDir: string;
  /** The config file, for the exporter. */
  configPath?: string;
  cwd: string;
  /** The run's time scale: the script's phases must be the ones the timeline plays. */
  timeScale: number;
  warn: (line: string) => void;
}

export function k6Driver(settings: K6DriverSettings): LoadDriver {
  return {
    name: 'k6',
    live: false,
    start: (context, options) =>
      ingestedLoadRun({
        options,
        context,
        warn: settings.warn,
        produce: (signal) => runK6(settings, options, context, signal),
      }),
  };
}

async function runK6(
  settings: K6DriverSettings,
  options: LoadOptions,
  context: LoadDriverContext,
  signal: AbortSignal,
): Promise<ProducedOutputs> {
  await mkdir(settings.outDir, { recursive: true });
  const script = await exportK6Script(context.scenario, {
    outDir: settings.outDir,
    cwd: settings.cwd,
    timeScale: settings.timeScale,
    ...(settings.configPath === undefined ? {} : { configPath: settings.configPath }),
  });
  const base = context.scenario.replace(/[^\w.-]+/g, '_');
  const output = join(settings.outDir, `${base}.ndjson`);
  const logFile = join(settings.outDir, `${base}.k6.log`);
  // A file left by an earlier run would be appended to by nothing, but read as this run's.
  await rm(output, { force: true });
  // The script's URLs point at this run's SUT and mock-idp (ephemeral ports), not the config's.
  const env = {
    KEYSTORM_TARGET_URL: String(options.target).replace(/\/$/, ''),
    KEYSTORM_PROVIDER_URL: context.idp.dataUrl,
    KEYSTORM_IDP_ADMIN_URL: context.idp.adminUrl,
    KEYSTORM_IDP_ADMIN_TOKEN: context.idp.adminToken,
  };
  const args = ['run', '--out', `json=${output}`];
  for (const [name, value] of Object.entries(env)) args.push('--env', `${name}=${value}`);
  args.push(script);
  const info = await spawnAndWait(settings, args, logFile, signal);
  const notes: string[] = [];
  if (info.code === K6_THRESHOLDS_FAILED)
    notes.push('k6 exited 99: thresholds of its own failed (keystorm judges its SLOs on the whole load)');
  else if (info.code !== 0 && !signal.aborted)
    notes.push(`k6 exited with ${info.code ?? info.signal ?? 'nothing'} (its log: ${logFile})`);
  if (!existsSync(output))
    throw new HarnessError('ERR_INTERNAL', `k6 wrote no output at ${output} (its log: ${logFile})`);
  return { files: [output], notes };
}

/** Runs k6 to its end (or until `signal`, then stops it by PID); its output goes to `logFile`. */
async function spawnAndWait(
  settings: K6DriverSettings,
  args: string[],
  logFile: string,
  signal: AbortSignal,
): Promise<ExitInfo> {
  const log = openSync(logFile, 'w');
  let ended: { info: ExitInfo; spawnError?: Error };
  try {
    const child = spawn(settings.binary, args, {
      cwd: settings.cwd,
      stdio: ['ignore', log, log],
      // Its own process group: out of reach of a Ctrl-C meant for keystorm, stopped by us in order.
      detached: process.platform !== 'win32',
    });
    trackChild(child);
    const onAbort = (): void => void stopChild(child, K6_STOP_GRACE_MS).catch(() => undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    ended = await new Promise((resolve) => {
      // ENOENT and friends: no process, and no 'exit' may follow.
      child.once('error', (spawnError) => resolve({ info: { code: null, signal: null }, spawnError }));
      void exited(child).then((info) => resolve({ info }));
    });
    signal.removeEventListener('abort', onAbort);
  } finally {
    closeSync(log);
  }
  if (ended.spawnError !== undefined)
    throw new HarnessError('ERR_INTERNAL', `could not start ${settings.binary}: ${ended.spawnError.message}`);
  return ended.info;
}
