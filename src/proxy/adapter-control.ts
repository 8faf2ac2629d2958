/**
 * Chooses the Toxiproxy a run drives: the one named by `TOXIPROXY_URL` (CI with the official
 * image), else keystorm's embedded server (by default on a free loopback port). Callers get the
 * same adapter either way, so nothing downstream knows which one it is.
 */
import { HarnessError } from '../errors.ts';
import { ProxyAdapter } from './adapter-client.ts';
import type { ProxyAdapterOptions } from './adapter-client.ts';

export interface ProxyControl {
  /** API base URL. */
  readonly url: string;
  readonly adapter: ProxyAdapter;
  /** True when keystorm started the server itself (it stops on close()). */
  readonly embedded: boolean;
  /** Stops the embedded server; does nothing to an external one. Idempotent. */
  close(): Promise<void>;
}

export interface ConnectProxyControlOptions extends ProxyAdapterOptions {
  /** API URL; defaults to `process.env.TOXIPROXY_URL`, else an embedded server is started. */
  url?: string;
  /** Seed of the embedded server's toxicity draws. */
  seed?: number;
  /** Bind address of the embedded server's API (default 127.0.0.1). */
  host?: string;
  /** Port of the embedded server's API (default 0: a free one). */
  port?: number;
  /** Environment to read TOXIPROXY_URL from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** Connects to (or starts) the Toxiproxy API and checks that it answers. */
export async function connectProxyControl(options: ConnectProxyControlOptions = {}): Promise<ProxyControl> {
  const adapterOptions: ProxyAdapterOptions =
    options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
  const external = options.url ?? nonEmpty((options.env ?? process.env).TOXIPROXY_URL);
  if (external !== undefined) {
    let url: URL;
    try {
      url = new URL(external);
    } catch {
      throw new TypeError(
        `TOXIPROXY_URL: ${JSON.stringify(external)} is not a URL (e.g. http://127.0.0.1:8474)`,
      );
    }
    const adapter = new ProxyAdapter(url.href, adapterOptions);
    await adapter.version(); // fail now, with the URL in the message, rather than mid-run
    return { url: adapter.url, adapter, embedded: false, close: () => Promise.resolve() };
  }
  // Imported lazily: a run against a real Toxiproxy never loads the embedded server.
  const { startToxiproxyServer } = await import('./server.ts');
  const server = await startToxiproxyServer({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
  const adapter = new ProxyAdapter(server.url, adapterOptions);
  let closing: Promise<void> | undefined;
  return {
    url: adapter.url,
    adapter,
    embedded: true,
    close: () =>
      (closing ??= server.close().catch((error: unknown) => {
        throw new HarnessError('ERR_PROXY_API', `stopping the embedded Toxiproxy at ${server.url} failed`, {
          cause: error,
        });
      })),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
