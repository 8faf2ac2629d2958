/**
 * `keystorm canary`: probes a deployed gateway with tokens from its real IdP for a bounded time.
 * Exit codes as for `run`: 0 pass, 1 a probe of valid or negative traffic got the wrong answer,
 * 2 bad config or usage (every problem listed), 3 the IdP's discovery or the Pushgateway
 * failed, 130 interrupted (reports still written, marked `interrupted`).
 */
import { parseArgs } from 'node:util';
import { ExitCode } from '../errors.ts';
import { loadCanaryConfig } from './config.ts';
import { createCanaryConsole } from './report-console.ts';
import { runCanary } from './run-canary.ts';
import { writeCanaryReports } from './write-reports.ts';

const USAGE = `usage: keystorm canary [--config FILE] [--out DIR] [--duration D]

Probes the deployed gateway of the config's \`canary\` section with tokens from its real IdP:
every interval a fresh token and the protected request(s), a forced refresh and the negative
cases every refreshEvery, a token near its expiry, and the first token reused (reported apart).
See docs/canary.md.

  --config FILE     config file (default: keystorm.config.{ts,mts,cts,js,mjs,cjs,json} in the cwd)
  --out DIR         output directory (default: the config's output.dir)
  --duration D      run this long instead of canary.duration (e.g. 2m; capped like it)
  -h, --help        this help

Secrets come from the environment (canary.token.*Env), never from the file or the command line.
exit codes: 0 pass, 1 a probe failed, 2 bad config or usage, 3 IdP discovery or Pushgateway failure, 130 interrupted`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      config: { type: 'string' },
      out: { type: 'string' },
      duration: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    console.log(USAGE);
    return ExitCode.ok;
  }
  const resolved = await loadCanaryConfig({
    ...(values.config === undefined ? {} : { file: values.config }),
    ...(values.out === undefined ? {} : { out: values.out }),
    ...(values.duration === undefined ? {} : { duration: values.duration }),
  });
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const console_ = resolved.reporters.includes('console') ? createCanaryConsole() : undefined;
  try {
    const result = await runCanary({
      resolved,
      signal: controller.signal,
      ...(console_ === undefined ? {} : { onProgress: (p) => console_.progress(p) }),
    });
    await writeCanaryReports(result, resolved.outDir, resolved.reporters);
    console_?.end(result, resolved.outDir);
    if (console_ === undefined && result.message !== undefined) {
      process.stderr.write(`keystorm: canary ${result.status}: ${result.message}\n`);
    }
    return result.exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
