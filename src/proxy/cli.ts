/**
 * `keystorm toxiproxy [--host 127.0.0.1] [--port 8474] [--seed N]`: runs the embedded
 * Toxiproxy-compatible server standalone until SIGINT/SIGTERM, then closes every proxy.
 */
import { parseArgs } from 'node:util';
import { ExitCode } from '../errors.ts';
import { startToxiproxyServer } from './server.ts';

const USAGE = `usage: keystorm toxiproxy [--host 127.0.0.1] [--port 8474] [--seed N]

Runs a Toxiproxy 2.12-compatible API (drive it with toxiproxy-node-client or the toxiproxy CLI).
  --host   interface of the API and default interface of proxy listeners (default 127.0.0.1)
  --port   API port (default 8474; 0 = any free port)
  --seed   seed of toxicity draws, jitter and slice sizes, for reproducible runs (default random)`;

function parseInteger(flag: string, text: string, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) > max) {
    throw new TypeError(`--${flag}: ${JSON.stringify(text)} is not an integer between 0 and ${max}`);
  }
  return Number(text);
}

function parseOptions(argv: string[]): { host: string; port: number; seed?: number } | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return 'help';
  if (positionals.length > 0) throw new TypeError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const host = values.host ?? '127.0.0.1';
  if (host.trim() === '') throw new TypeError('--host: must not be empty');
  const port = values.port === undefined ? 8474 : parseInteger('port', values.port, 65535);
  const seed = values.seed === undefined ? undefined : parseInteger('seed', values.seed, 2 ** 32 - 1);
  return seed === undefined ? { host, port } : { host, port, seed };
}

/** Entry point used by src/cli.ts; resolves with the exit code once the server has closed. */
export async function main(argv: string[]): Promise<number> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(argv);
  } catch (error) {
    // parseArgs names the flag in its message ("Unknown option '--prot'").
    const message = error instanceof Error ? error.message : String(error);
    console.error(`keystorm toxiproxy: ${message}\nRun 'keystorm toxiproxy --help' for its options.`);
    return ExitCode.usage;
  }
  if (options === 'help') {
    console.log(USAGE);
    return ExitCode.ok;
  }
  let server;
  try {
    server = await startToxiproxyServer(options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`keystorm toxiproxy: cannot listen on ${options.host}:${options.port}: ${message}`);
    return ExitCode.harness;
  }
  console.log(server.url);
  console.error(
    `keystorm toxiproxy: Toxiproxy-compatible API at ${server.url} (seed ${server.seed}); Ctrl-C to stop`,
  );
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (name: NodeJS.Signals): void => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      resolve(name);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await server.close();
  console.error(`keystorm toxiproxy: ${signal} received, every proxy closed`);
  return ExitCode.ok;
}
