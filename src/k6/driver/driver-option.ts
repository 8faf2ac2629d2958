/**
 * `keystorm run --driver builtin | k6 | k6-output DIR`. The k6-output form takes two words, so
 * the option is lifted out of argv before parseArgs sees the rest (DIR would otherwise read as
 * a scenario name). Every bad value is a usage error (exit 2) that names it; `--driver k6`
 * without a k6 binary is one too, with how to install k6.
 */
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HarnessError } from '../../errors.ts';
import type { LoadDriver } from '../../scenario/load-driver.ts';
import { findK6, K6_INSTALL_HINT } from './k6-binary.ts';
import { k6Driver } from './k6-driver.ts';
import { k6OutputDriver } from './k6-output-driver.ts';

export type DriverChoice = { name: 'builtin' } | { name: 'k6' } | { name: 'k6-output'; dir: string };

export const DRIVER_USAGE = `  --driver NAME       where the load comes from: builtin (default), k6 (runs a local k6 on a
                      generated script), k6-output DIR (reads the k6 --out json files runners
                      write into DIR); see docs/k6-driver.md`;

const usage = (message: string): HarnessError => new HarnessError('ERR_USAGE', message);

/** Lifts `--driver …` out of argv; throws a usage error for a missing or unknown value. */
export function takeDriverOption(argv: readonly string[]): { argv: string[]; choice: DriverChoice } {
  const rest: string[] = [];
  let choice: DriverChoice | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg !== '--driver' && !arg.startsWith('--driver=')) {
      rest.push(arg);
      continue;
    }
    if (choice !== undefined) throw usage('--driver is given more than once');
    const inline = arg.startsWith('--driver=') ? arg.slice('--driver='.length) : undefined;
    const value = inline ?? argv[++i];
    if (value === undefined || value === '' || value.startsWith('-'))
      throw usage('--driver needs a value: builtin, k6 or k6-output DIR');
    if (value === 'builtin' || value === 'k6') choice = { name: value };
    else if (value === 'k6-output') {
      const dir = argv[++i];
      if (dir === undefined || dir === '' || dir.startsWith('-'))
        throw usage('--driver k6-output needs the directory the k6 runners write their outputs to');
      choice = { name: 'k6-output', dir };
    } else throw usage(`--driver ${value}: unknown driver (builtin, k6 or k6-output DIR)`);
  }
  return { argv: rest, choice: choice ?? { name: 'builtin' } };
}

/** Checks what the choice needs before anything starts (k6 installed, DIR a directory). */
export function checkDriverChoice(choice: DriverChoice, env: NodeJS.ProcessEnv = process.env): void {
  if (choice.name === 'k6') {
    const k6 = findK6(env);
    if (!k6.ok) throw usage(`--driver k6: ${k6.problem}\n${K6_INSTALL_HINT}`);
  }
  if (choice.name === 'k6-output' && statSync(choice.dir, { throwIfNoEntry: false })?.isDirectory() !== true)
    throw usage(
      `--driver k6-output ${choice.dir}: not a directory (create it and point the runners' outputs at it)`,
    );
}

/** The driver for a checked choice (undefined: the built-in engine). */
export function createDriver(
  choice: DriverChoice,
  run: { reportDir: string; configPath: string | undefined; cwd: string; timeScale: number },
): LoadDriver | undefined {
  const warn = (line: string): void => void process.stderr.write(`${line}\n`);
  if (choice.name === 'builtin') return undefined;
  if (choice.name === 'k6-output') return k6OutputDriver({ dir: resolve(run.cwd, choice.dir), warn });
  const k6 = findK6();
  if (!k6.ok) throw usage(`--driver k6: ${k6.problem}\n${K6_INSTALL_HINT}`);
  return k6Driver({
    binary: k6.path,
    outDir: join(run.reportDir, 'k6'),
    cwd: run.cwd,
    timeScale: run.timeScale,
    warn,
    ...(run.configPath === undefined ? {} : { configPath: run.configPath }),
  });
}
