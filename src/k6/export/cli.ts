/**
 * `keystorm k6 export SCENARIO... [--out DIR] [--config PATH] [--time-scale X] [--parallelism N]`.
 * Exit codes: 0 written, 2 bad usage, unknown scenario or invalid config (every problem listed).
 */
import { parseArgs } from 'node:util';
import { ExitCode } from '../../errors.ts';
import { writeK6Scripts } from './index.ts';

const USAGE = `usage: keystorm k6 export SCENARIO... [options]

Writes a k6 TypeScript script per scenario (load phases as k6 executors, tokens as keystorm's
token pool obtains them, kinds as tags, SLOs k6 can judge as thresholds), a k6-operator TestRun
manifest per scenario, a README of the steps and a tsconfig to type-check them with @types/k6.

  SCENARIO            built-in names or patterns (auth-*), or scenario files
  --out DIR           output directory (default: k6)
  --config FILE       config file (default: keystorm.config.* in the cwd)
  --time-scale X      scale every scenario duration, as \`keystorm run --time-scale\`
  --parallelism N     k6-operator runners in each TestRun (default 2)
  -h, --help          this help

exit codes: 0 written, 2 bad usage, unknown scenario or invalid config`;

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    console.log(USAGE);
    return sub === undefined ? ExitCode.usage : ExitCode.ok;
  }
  if (sub !== 'export') {
    console.error(`keystorm k6: unknown subcommand ${JSON.stringify(sub)}\n\n${USAGE}`);
    return ExitCode.usage;
  }
  return exportMain(rest);
}

async function exportMain(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: 'string' },
      config: { type: 'string' },
      'time-scale': { type: 'string' },
      parallelism: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    console.log(USAGE);
    return ExitCode.ok;
  }
  if (positionals.length === 0) {
    console.error(`keystorm k6 export: name at least one scenario\n\n${USAGE}`);
    return ExitCode.usage;
  }
  const written = await writeK6Scripts(positionals, {
    outDir: values.out ?? 'k6',
    ...(values.config === undefined ? {} : { configPath: values.config }),
    ...(values['time-scale'] === undefined ? {} : { timeScale: values['time-scale'] }),
    ...(values.parallelism === undefined ? {} : { parallelism: parseParallelism(values.parallelism) }),
    onSkip: (name, reason) => console.error(`keystorm k6 export: ${name} not exported: ${reason}`),
  });
  for (const path of written) console.log(`wrote ${path}`);
  return ExitCode.ok;
}

function parseParallelism(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 1000)
    throw new TypeError(`--parallelism: ${JSON.stringify(value)} is not a whole number in [1, 1000]`);
  return n;
}
