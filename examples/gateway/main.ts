/**
 * Entry point: `node --import tsx examples/gateway/main.ts`. Configuration comes from the
 * environment only (see OPTIONS in config.ts). Prints `{"msg":"listening","url":…}` once it
 * accepts connections; SIGTERM/SIGINT close it gracefully.
 */
import { ValidationError } from '../../src/errors.ts';
import { loadConfig } from './config.ts';
import { createLogger } from './log.ts';
import { loadPageConfig } from './page/config.ts';
import { startGateway } from './server.ts';

const log = createLogger();

async function main(): Promise<void> {
  let config;
  let page;
  try {
    config = loadConfig();
    page = loadPageConfig(config.providers);
  } catch (error) {
    if (error instanceof ValidationError) {
      log.error('invalid configuration', { problems: error.problems });
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
  const gateway = await startGateway(config, { log, page });
  log.info('listening', {
    url: gateway.url,
    key_cache: config.keyCache,
    providers: config.providers.map((p) => p.name),
    pool_size: config.poolSize,
    client_id: config.clientId ?? null,
  });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    const hardStop = setTimeout(() => process.exit(1), 5000);
    hardStop.unref();
    gateway
      .close()
      .then(() => log.info('stopped'))
      .catch((error: unknown) => log.error('close failed', { error: String(error) }))
      .finally(() => {
        clearTimeout(hardStop);
        process.exit(0);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  log.error('gateway failed to start', { error: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
});
