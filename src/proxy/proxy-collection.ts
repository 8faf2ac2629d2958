/**
 * Every proxy of one server, by name. Changes that bind or close listeners are asynchronous, so
 * they run one at a time (a second create of the same name waits and then gets its 409).
 */
import type { Server } from 'node:net';
import { createRandom, type Random } from '../util/random.ts';
import { ApiError, badRequestBody, missingField, proxyAlreadyExists, proxyNotFound } from './api-error.ts';
import { parseHostPort } from './address.ts';
import { bindListener, TcpProxy, validateAddresses, type ProxySettings } from './proxy.ts';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(body: Record<string, unknown>, key: string, where = ''): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequestBody(`${key}${where} must be a string`);
  return value;
}

function optionalBoolean(body: Record<string, unknown>, key: string, where = ''): boolean | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw badRequestBody(`${key}${where} must be a boolean`);
  return value;
}

export class ProxyCollection {
  private readonly proxies = new Map<string, TcpProxy>();
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * @param defaultHost the host a proxy listens on when `listen` is absent or has no host
   * @param seed every proxy's generator derives from (seed, proxy name): reproducible per proxy
   */
  constructor(
    private readonly defaultHost: string,
    private readonly seed: number,
  ) {}

  all(): TcpProxy[] {
    return [...this.proxies.values()];
  }

  get(name: string): TcpProxy {
    const proxy = this.proxies.get(name);
    if (proxy === undefined) throw proxyNotFound();
    return proxy;
  }

  /** POST /proxies */
  create(body: unknown): Promise<TcpProxy> {
    return this.serialized(async () => {
      const { name, settings } = this.parseCreate(body, '');
      if (this.proxies.has(name)) throw proxyAlreadyExists();
      const proxy = this.newProxy(name, settings);
      if (settings.enabled) await proxy.start();
      this.proxies.set(name, proxy);
      return proxy;
    });
  }

  /**
   * POST /populate: validates every entry, binds every new listener, and only then commits, so a
   * bad entry or a port in use leaves the collection untouched. An existing proxy with the same
   * listen (a requested port 0 matches any port) and upstream is kept as it is.
   */
  populate(body: unknown): Promise<TcpProxy[]> {
    return this.serialized(async () => {
      if (!Array.isArray(body)) throw badRequestBody('expected a JSON array of proxies');
      const entries = body.map((item: unknown, i) => this.parseCreate(item, ` at proxy ${i + 1}`));
      const seen = new Set<string>();
      for (const { name } of entries) {
        if (seen.has(name)) throw new ApiError(`duplicate proxy name ${JSON.stringify(name)}`, 400);
        seen.add(name);
      }
      const plans = entries.map(({ name, settings }) => {
        const existing = this.proxies.get(name);
        const keep = existing !== undefined && this.sameProxy(existing, settings);
        return { name, settings, existing, keep };
      });
      const bound: (Server | undefined)[] = [];
      try {
        for (const plan of plans) {
          if (plan.keep || !plan.settings.enabled) {
            bound.push(undefined);
            continue;
          }
          const { listen } = validateAddresses(plan.settings, this.defaultHost);
          // Rebinding an existing proxy on its own port: free that port first is not atomic, so
          // only a listen that differs from the existing one is pre-bound.
          if (plan.existing?.enabled === true && this.samePort(plan.existing.listen, plan.settings.listen)) {
            bound.push(undefined);
            continue;
          }
          bound.push(await bindListener(listen, () => {}));
        }
      } catch (error) {
        await Promise.all(bound.filter((s) => s !== undefined).map(closeServer));
        throw error;
      }
      const result: TcpProxy[] = [];
      for (const [i, plan] of plans.entries()) {
        if (plan.keep && plan.existing !== undefined) {
          result.push(plan.existing);
          continue;
        }
        if (plan.existing !== undefined) await plan.existing.stop();
        const proxy = this.newProxy(plan.name, plan.settings);
        if (plan.settings.enabled) await proxy.start(bound[i]);
        this.proxies.set(plan.name, proxy);
        result.push(proxy);
      }
      return result;
    });
  }

  /** PATCH/POST /proxies/{p}: absent fields keep their current values. */
  update(name: string, body: unknown): Promise<TcpProxy> {
    return this.serialized(async () => {
      const proxy = this.get(name);
      if (!isObject(body)) throw badRequestBody('expected a JSON object');
      const next: ProxySettings = {
        listen: optionalString(body, 'listen') ?? proxy.listen,
        upstream: optionalString(body, 'upstream') ?? proxy.upstream,
        enabled: optionalBoolean(body, 'enabled') ?? proxy.enabled,
      };
      await proxy.update(next);
      return proxy;
    });
  }

  /** DELETE /proxies/{p} */
  remove(name: string): Promise<void> {
    return this.serialized(async () => {
      const proxy = this.get(name);
      this.proxies.delete(name);
      await proxy.stop();
    });
  }

  /** POST /reset: toxics gone, every proxy kept and enabled again. */
  reset(): Promise<void> {
    return this.serialized(async () => {
      for (const proxy of this.proxies.values()) {
        if (!proxy.enabled) await proxy.start();
        proxy.toxics.clear();
      }
    });
  }

  /** Stops every proxy (server shutdown). */
  closeAll(): Promise<void> {
    return this.serialized(async () => {
      await Promise.all(this.all().map((p) => p.stop()));
      this.proxies.clear();
    });
  }

  private newProxy(name: string, settings: ProxySettings): TcpProxy {
    const random: Random = createRandom(this.seed).fork(name);
    return new TcpProxy(name, settings, random, this.defaultHost);
  }

  private parseCreate(body: unknown, where: string): { name: string; settings: ProxySettings } {
    if (!isObject(body)) throw badRequestBody(`expected a JSON object${where}`);
    const name = optionalString(body, 'name', where) ?? '';
    if (name === '') throw missingField(`name${where}`);
    const upstream = optionalString(body, 'upstream', where) ?? '';
    if (upstream === '') throw missingField(`upstream${where}`);
    const listen = optionalString(body, 'listen', where) ?? `${this.defaultHost}:0`;
    const enabled = optionalBoolean(body, 'enabled', where) ?? true;
    const settings = { listen, upstream, enabled };
    validateAddresses(settings, this.defaultHost);
    return { name, settings };
  }

  private sameProxy(existing: TcpProxy, wanted: ProxySettings): boolean {
    return existing.upstream === wanted.upstream && this.samePort(existing.listen, wanted.listen);
  }

  /** Same listen address, where a requested port 0 matches whatever port was bound. */
  private samePort(current: string, wanted: string): boolean {
    if (current === wanted) return true;
    const a = parseHostPort(current, this.defaultHost);
    const b = parseHostPort(wanted, this.defaultHost);
    if (a === undefined || b === undefined) return false;
    const hostA = a.host === 'localhost' ? '127.0.0.1' : a.host;
    const hostB = b.host === 'localhost' ? '127.0.0.1' : b.host;
    return hostA === hostB && (b.port === 0 || a.port === b.port);
  }

  private serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
