/**
 * One named proxy: a TCP listener, the upstream it forwards to, its toxics and its live
 * connections. `enabled:false` closes the listener and every connection.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Random } from '../util/random.ts';
import { ApiError, badRequestBody } from './api-error.ts';
import { formatHostPort, parseHostPort, type HostPort } from './address.ts';
import { ProxyConnection, type DirectionBytes } from './connection.ts';
import type { Link } from './link.ts';
import { STREAMS, type Stream, type ToxicJson } from './toxic.ts';
import { ToxicCollection } from './toxic-collection.ts';

/** The JSON Toxiproxy returns for a proxy (same key order). */
export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicJson[];
}

export interface ProxySettings {
  listen: string;
  upstream: string;
  enabled: boolean;
}

/** Checks listen/upstream before anything is bound. `defaultHost` fills an empty listen host. */
export function validateAddresses(
  settings: ProxySettings,
  defaultHost: string,
): { listen: HostPort; upstream: HostPort } {
  const listen = parseHostPort(settings.listen, defaultHost);
  if (listen === undefined)
    throw badRequestBody(`listen must be host:port, got ${JSON.stringify(settings.listen)}`);
  const upstream = parseHostPort(settings.upstream, defaultHost);
  if (upstream === undefined || settings.upstream.trim().startsWith(':')) {
    throw badRequestBody(`upstream must be host:port, got ${JSON.stringify(settings.upstream)}`);
  }
  if (upstream.port === 0)
    throw badRequestBody(`upstream port must not be 0, got ${JSON.stringify(settings.upstream)}`);
  return { listen, upstream };
}

/** Binds a listener; `localhost` is pinned to 127.0.0.1 so the reported address is predictable. */
export async function bindListener(
  address: HostPort,
  onConnection: (socket: Socket) => void,
): Promise<Server> {
  const server = createServer({ allowHalfOpen: true, noDelay: true }, onConnection);
  const host = address.host === 'localhost' ? '127.0.0.1' : address.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: address.port }, () => {
      server.removeListener('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    throw new ApiError(`listen ${formatHostPort(host, address.port)}: ${message}`, 500);
  });
  server.on('error', () => {}); // accept errors (EMFILE…) must not crash the process
  return server;
}

export class TcpProxy {
  readonly toxics: ToxicCollection;
  private listener: Server | undefined;
  private readonly connections = new Set<ProxyConnection>();
  private readonly closedBytes: Record<Stream, DirectionBytes> = {
    upstream: { received: 0, sent: 0 },
    downstream: { received: 0, sent: 0 },
  };
  private upstreamAddress: HostPort;

  constructor(
    readonly name: string,
    private settings: ProxySettings,
    private readonly random: Random,
    private readonly defaultHost: string,
  ) {
    this.upstreamAddress = validateAddresses(settings, defaultHost).upstream;
    this.toxics = new ToxicCollection((stream) => this.linksOf(stream));
  }

  get listen(): string {
    return this.settings.listen;
  }
  get upstream(): string {
    return this.settings.upstream;
  }
  get enabled(): boolean {
    return this.settings.enabled;
  }

  toJSON(): ProxyJson {
    return { name: this.name, ...this.settings, toxics: this.toxics.list() };
  }

  /**
   * Starts listening; `listen` becomes the bound address. With `prebound`, adopts a listener
   * bound earlier (populate binds everything before committing anything).
   */
  async start(prebound?: Server): Promise<void> {
    if (this.listener !== undefined) return;
    const { listen } = validateAddresses(this.settings, this.defaultHost);
    const server = prebound ?? (await bindListener(listen, () => {}));
    server.removeAllListeners('connection');
    server.on('connection', (socket: Socket) => this.accept(socket));
    this.listener = server;
    const bound = server.address();
    const listenNow =
      bound !== null && typeof bound === 'object' ? formatHostPort(bound.address, bound.port) : null;
    this.settings = { ...this.settings, listen: listenNow ?? this.settings.listen, enabled: true };
  }

  /** Stops listening and closes every connection. */
  async stop(): Promise<void> {
    this.settings = { ...this.settings, enabled: false };
    const listener = this.listener;
    this.listener = undefined;
    for (const connection of [...this.connections]) connection.destroy();
    if (listener !== undefined) await new Promise<void>((resolve) => listener.close(() => resolve()));
  }

  /** PATCH semantics: a changed listen/upstream rebinds; `enabled` starts or stops. */
  async update(next: ProxySettings): Promise<void> {
    const addresses = validateAddresses(next, this.defaultHost);
    const moved = next.listen !== this.settings.listen || next.upstream !== this.settings.upstream;
    if (moved) {
      await this.stop();
      this.settings = { listen: next.listen, upstream: next.upstream, enabled: false };
      this.upstreamAddress = addresses.upstream;
    }
    if (next.enabled && this.listener === undefined) await this.start();
    else if (!next.enabled && this.listener !== undefined) await this.stop();
    else if (!next.enabled) this.settings = { ...this.settings, enabled: false };
  }

  /** Received/sent bytes per direction since the proxy was created (live + closed connections). */
  bytes(stream: Stream): DirectionBytes {
    const total = { ...this.closedBytes[stream] };
    for (const connection of this.connections) {
      const live = connection.bytes(stream);
      total.received += live.received;
      total.sent += live.sent;
    }
    return total;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  private accept(client: Socket): void {
    const toxics = { upstream: this.toxics.chain('upstream'), downstream: this.toxics.chain('downstream') };
    const connection = new ProxyConnection(client, this.upstreamAddress, toxics, this.random.fork(), (c) =>
      this.forget(c),
    );
    this.connections.add(connection);
  }

  private forget(connection: ProxyConnection): void {
    if (!this.connections.delete(connection)) return;
    // Counters are read once the sockets are done; a socket still flushing counts what it had.
    for (const stream of STREAMS) {
      const bytes = connection.bytes(stream);
      this.closedBytes[stream].received += bytes.received;
      this.closedBytes[stream].sent += bytes.sent;
    }
  }

  private *linksOf(stream: Stream): Iterable<Link> {
    for (const connection of this.connections) yield connection.link(stream);
  }
}
