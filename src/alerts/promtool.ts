/**
 * Runs Prometheus's own `promtool` (Debian package `prometheus`). keystorm never evaluates PromQL
 * itself: checking rule files and evaluating them over recorded series are promtool's job.
 */
import { execFile } from 'node:child_process';
import { HarnessError, ValidationError, ExitCode } from '../errors.ts';

export interface PromtoolResult {
  readonly code: number;
  readonly output: string;
}

/** The promtool binary: `PROMTOOL` from the environment, else `promtool` on PATH. */
export function promtoolPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.PROMTOOL !== undefined && env.PROMTOOL !== '' ? env.PROMTOOL : 'promtool';
}

/** Runs promtool with args; resolves with exit code and combined output (never throws on exit ≠ 0). */
export function runPromtool(
  args: readonly string[],
  options: { cwd?: string | undefined; binary?: string | undefined; timeoutMs?: number | undefined } = {},
): Promise<PromtoolResult> {
  const binary = options.binary ?? promtoolPath();
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      [...args],
      { cwd: options.cwd, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        if (error === null) return resolve({ code: 0, output });
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return reject(missingPromtool(binary));
        if (typeof error.code === 'number') return resolve({ code: error.code, output });
        reject(new HarnessError('ERR_INTERNAL', `${binary} ${args.join(' ')} failed: ${error.message}`));
      },
    );
  });
}

/**
 * The error for a machine without promtool. Exit 2: a scenario that expects alerts cannot be
 * judged here, and saying so is better than a silent pass.
 */
export function missingPromtool(binary: string): HarnessError {
  return new HarnessError(
    'ERR_USAGE',
    `alert verification needs Prometheus's promtool, and ${JSON.stringify(binary)} was not found. ` +
      'Install it (Debian/Ubuntu: apt-get install --no-install-recommends prometheus) or set PROMTOOL to its path.',
    { exitCode: ExitCode.usage },
  );
}

/** Checks each rule file with `promtool check rules`; every broken file is listed with promtool's message. */
export async function checkRuleFiles(files: readonly string[], binary?: string): Promise<void> {
  const problems: { path: string; message: string }[] = [];
  for (const file of files) {
    const { code, output } = await runPromtool(['check', 'rules', file], { binary });
    if (code !== 0) problems.push({ path: file, message: promtoolMessage(output) });
  }
  if (problems.length > 0) throw new ValidationError('alert rule files', problems);
}

/** promtool's own error lines, without its "Checking …" banner. */
function promtoolMessage(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('Checking '));
  return lines.join('; ') || 'promtool check rules failed';
}

/**
 * Fails fast, before a drill starts, when promtool is missing (exit 2 with what to install):
 * a scenario that expects alerts should not run for minutes and then find out.
 */
export async function assertPromtool(binary?: string): Promise<string> {
  const { code, output } = await runPromtool(['--version'], { binary });
  if (code !== 0) throw missingPromtool(binary ?? promtoolPath());
  return output.split('\n')[0] ?? '';
}
