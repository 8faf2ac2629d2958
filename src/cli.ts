/**
 * `keystorm` command dispatcher. Each subcommand lives in its own module and is imported only
 * when used, so `keystorm idp` does not load the load engine and vice versa.
 */
import { ExitCode, HarnessError, ValidationError } from './errors.ts';
import { watchParent } from './process/parent-watch.ts';

type CommandMain = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ main: CommandMain }> }> = {
  idp: { summary: 'start the mock OIDC/JWKS provider standalone', load: () => import('../mock-idp/cli.ts') },
  toxiproxy: {
    summary: 'start the embedded Toxiproxy-compatible server standalone',
    load: () => import('./proxy/cli.ts'),
  },
  fault: {
    summary: 'hold network/HTTP faults for a while, then roll them back',
    load: () => import('./faults/cli.ts'),
  },
  load: { summary: 'quick open-model load check of one endpoint', load: () => import('./load/cli.ts') },
  run: {
    summary: 'play scenarios against the SUT and judge the SLOs (the main job)',
    load: () => import('./scenario/cli.ts'),
  },
  calibrate: {
    summary: "measure the SUT's key-cache timings and print a profile to pin",
    load: () => import('./calibrate/cli.ts'),
  },
  canary: {
    summary: 'probe a deployed gateway with tokens from its real IdP',
    load: () => import('./canary/cli.ts'),
  },
  k6: {
    summary: 'export scenarios as k6 scripts and k6-operator TestRuns',
    load: () => import('./k6/export/cli.ts'),
  },
  report: {
    summary: "re-render a run's reports from its summary.json, --compare with an older run",
    load: () => import('./report/cli.ts'),
  },
  list: {
    summary: 'list the built-in scenarios',
    load: async () => ({ main: (await import('./scenario/cli.ts')).listMain }),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: keystorm <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'keystorm <command> --help' for a command's options.`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    console.error(`keystorm: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return ExitCode.usage;
  }
  // Orphaned (npm exec got the Ctrl-C and its shell died, or whatever started us is gone): stop
  // as on SIGTERM rather than play on unseen. See src/process/parent-watch.ts.
  const unwatchParent = watchParent();
  try {
    const { main: commandMain } = await command.load();
    return await commandMain(rest);
  } catch (error) {
    return reportFatal(error);
  } finally {
    unwatchParent();
  }
}

/** Prints an error the way users should see it and maps it to an exit code. */
export function reportFatal(error: unknown): number {
  if (error instanceof ValidationError) {
    console.error(`keystorm: ${error.message}`);
    return error.exitCode;
  }
  if (error instanceof HarnessError) {
    console.error(`keystorm: ${error.code}: ${error.message}`);
    return error.exitCode;
  }
  if (isArgParseError(error)) {
    console.error(`keystorm: ${error.message}`);
    return ExitCode.usage;
  }
  if (error instanceof TypeError && /^(--|[a-z][\w.[\]]*:)/.test(error.message)) {
    // Bad arguments are thrown as TypeErrors whose message starts with the option's name.
    console.error(`keystorm: ${error.message}`);
    return ExitCode.usage;
  }
  console.error('keystorm: internal error:', error);
  return ExitCode.harness;
}

/** node:util parseArgs rejects unknown flags and missing values with ERR_PARSE_ARGS_* TypeErrors. */
function isArgParseError(error: unknown): error is TypeError {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof TypeError && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}
