/**
 * Typed access to a Toxiproxy API, real (`TOXIPROXY_URL`) or embedded. A thin
 * layer over toxiproxy-node-client: the client's object model does the documented calls, our
 * transport (adapter-transport.ts) gives each call a deadline and status-bearing errors, and
 * this file adds what the client lacks — listing toxics, enable/disable, create-with-toxics,
 * idempotent deletes. Only documented Toxiproxy 2.x routes are used, so both servers behave
 * the same.
 */
import { Toxiproxy } from 'toxiproxy-node-client';
import type { ICreateToxicBody, Proxy } from 'toxiproxy-node-client';
import { ProxyApiError, TimedTransport, isProxyApiStatus } from './adapter-transport.ts';

/** Toxic types of Toxiproxy 2.12 (noop included: both servers accept it). */
export type ToxicType =
  'latency' | 'bandwidth' | 'slow_close' | 'timeout' | 'reset_peer' | 'slicer' | 'limit_data' | 'noop';
export type ToxicStream = 'upstream' | 'downstream';

/** A toxic as the API reports it. */
export interface ToxicState {
  name: string;
  type: ToxicType;
  stream: ToxicStream;
  toxicity: number;
  attributes: Record<string, number>;
}

/** A proxy as the API reports it. */
export interface ProxyState {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicState[];
}

/** What to create: a toxic (name and stream default as in Toxiproxy). */
export interface ToxicInput {
  type: ToxicType;
  name?: string;
  stream?: ToxicStream;
  toxicity?: number;
  attributes: Record<string, number>;
}

export interface ProxyInput {
  name: string;
  upstream: string;
  /** Defaults to `127.0.0.1:0` (a free loopback port; the reply names the real one). */
  listen?: string;
  enabled?: boolean;
  /** Added right after creation; if one fails the proxy is deleted again. */
  toxics?: ToxicInput[];
}

export interface ProxyAdapterOptions {
  /** Deadline of each API call in milliseconds (default 5000). */
  timeoutMs?: number;
}

/** Default deadline of one Toxiproxy API call. */
export const DEFAULT_PROXY_API_TIMEOUT_MS = 5000;

/**
 * Typed, deadline-bounded access to a Toxiproxy API.
 * Every method throws ProxyApiError (code ERR_PROXY_API) naming the method, URL and status.
 */
export class ProxyAdapter {
  /** API base URL without a trailing slash. */
  readonly url: string;
  readonly timeoutMs: number;
  private readonly client: Toxiproxy;
  private readonly transport: TimedTransport;

  constructor(url: string, options: ProxyAdapterOptions = {}) {
    this.url = url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_PROXY_API_TIMEOUT_MS;
    this.transport = new TimedTransport(this.timeoutMs);
    this.client = new Toxiproxy(this.url);
    // The client's Proxy and Toxic objects copy `toxiproxy.api` when built, so swapping the
    // transport here routes every call they make through our deadline and error mapping. Its
    // HttpClient class has private members, hence the cast; the public shape is the same.
    this.client.api = this.transport as unknown as Toxiproxy['api'];
  }

  /** The same server with another per-call deadline. */
  withTimeout(timeoutMs: number): ProxyAdapter {
    return new ProxyAdapter(this.url, { timeoutMs });
  }

  /** Server version string (`GET /version`). */
  async version(): Promise<string> {
    const text = await this.client.getVersion();
    try {
      const parsed = JSON.parse(text) as unknown;
      if (typeof parsed === 'object' && parsed !== null && 'version' in parsed) return String(parsed.version);
    } catch {
      // Toxiproxy < 2.6 answered plain text.
    }
    return text.trim();
  }

  /** Every proxy with its toxics, sorted by name. */
  async listProxies(): Promise<ProxyState[]> {
    const { data } = await this.transport.get<Record<string, ProxyState>>(`${this.url}/proxies`);
    return Object.values(data ?? {})
      .map(normalizeProxy)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** One proxy with its toxics; undefined when it does not exist. */
  async findProxy(name: string): Promise<ProxyState | undefined> {
    try {
      const { data } = await this.transport.get<ProxyState>(this.proxyUrl(name));
      return normalizeProxy(data);
    } catch (error) {
      if (isProxyApiStatus(error, 404)) return undefined;
      throw error;
    }
  }

  /** One proxy with its toxics; throws ProxyApiError 404 when unknown. */
  async getProxy(name: string): Promise<ProxyState> {
    const { data } = await this.transport.get<ProxyState>(this.proxyUrl(name));
    return normalizeProxy(data);
  }

  /**
   * Creates a proxy (409 if the name exists) and adds `toxics`. All or nothing: when a toxic
   * is rejected the proxy is deleted again before the error is rethrown.
   */
  async createProxy(input: ProxyInput): Promise<ProxyState> {
    const proxy = await this.client.createProxy({
      name: input.name,
      upstream: input.upstream,
      listen: input.listen ?? '127.0.0.1:0',
      enabled: input.enabled ?? true,
    });
    try {
      for (const toxic of input.toxics ?? []) await this.addToxicTo(proxy, toxic);
    } catch (error) {
      await this.deleteProxy(input.name).catch(() => undefined);
      throw error;
    }
    return this.getProxy(input.name);
  }

  /** Deletes a proxy (closing its connections). Returns false when it was already gone. */
  async deleteProxy(name: string): Promise<boolean> {
    try {
      await this.transport.delete(this.proxyUrl(name));
      return true;
    } catch (error) {
      if (isProxyApiStatus(error, 404)) return false;
      throw error;
    }
  }

  /**
   * Enables or disables a proxy. Disabled: the listener is closed (new connections refused)
   * and open connections are dropped — Toxiproxy's "down".
   */
  async setEnabled(name: string, enabled: boolean): Promise<ProxyState> {
    const current = await this.client.get(name);
    // listen/upstream are sent unchanged: a changed address would make the server rebind.
    const updated = await current.update({ enabled, listen: current.listen, upstream: current.upstream });
    return { ...proxyFields(updated), toxics: await this.listToxics(name) };
  }

  enable(name: string): Promise<ProxyState> {
    return this.setEnabled(name, true);
  }

  disable(name: string): Promise<ProxyState> {
    return this.setEnabled(name, false);
  }

  /** Toxics of a proxy (`GET /proxies/{p}/toxics`, which the client does not wrap). */
  async listToxics(proxy: string): Promise<ToxicState[]> {
    const { data } = await this.transport.get<ToxicState[]>(`${this.proxyUrl(proxy)}/toxics`);
    return (data ?? []).map(normalizeToxic);
  }

  /** Adds a toxic; 409 when the name is taken on this proxy, 404 when the proxy is unknown. */
  async addToxic(proxy: string, toxic: ToxicInput): Promise<ToxicState> {
    // Built locally (no GET): the client only needs the name to form the URL.
    const handle = await this.client.get(proxy);
    return this.addToxicTo(handle, toxic);
  }

  /** Merges attributes (and toxicity when given) into an existing toxic. */
  async updateToxic(
    proxy: string,
    name: string,
    update: { attributes?: Record<string, number>; toxicity?: number },
  ): Promise<ToxicState> {
    const { data } = await this.transport.post<ToxicState>(`${this.toxicUrl(proxy, name)}`, update);
    return normalizeToxic(data);
  }

  /** Removes a toxic. Returns false when it (or its proxy) was already gone. */
  async removeToxic(proxy: string, name: string): Promise<boolean> {
    try {
      await this.transport.delete(this.toxicUrl(proxy, name));
      return true;
    } catch (error) {
      if (isProxyApiStatus(error, 404)) return false;
      throw error;
    }
  }

  /** `POST /reset`: removes every toxic and re-enables every proxy of the server (not only ours). */
  async reset(): Promise<void> {
    await this.client.reset();
  }

  private async addToxicTo(proxy: Proxy, toxic: ToxicInput): Promise<ToxicState> {
    const stream = toxic.stream ?? 'downstream';
    const body: ICreateToxicBody<Record<string, number>> = {
      name: toxic.name ?? `${toxic.type}_${stream}`,
      // The client's type list lacks noop; the server accepts it.
      type: toxic.type as ICreateToxicBody<unknown>['type'],
      stream,
      toxicity: toxic.toxicity ?? 1,
      attributes: toxic.attributes,
    };
    const created = await proxy.addToxic(body);
    return normalizeToxic(created.toJson() as unknown as ToxicState);
  }

  private proxyUrl(name: string): string {
    return `${this.url}/proxies/${encodeURIComponent(name)}`;
  }

  private toxicUrl(proxy: string, toxic: string): string {
    return `${this.proxyUrl(proxy)}/toxics/${encodeURIComponent(toxic)}`;
  }
}

function proxyFields(p: {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
}): Omit<ProxyState, 'toxics'> {
  return { name: p.name, listen: p.listen, upstream: p.upstream, enabled: p.enabled };
}

function normalizeProxy(p: ProxyState): ProxyState {
  if (typeof p !== 'object' || p === null || typeof p.name !== 'string') {
    throw new ProxyApiError({
      method: 'GET',
      url: '(proxy)',
      detail: `unexpected proxy JSON ${JSON.stringify(p)}`,
    });
  }
  return { ...proxyFields(p), toxics: (p.toxics ?? []).map(normalizeToxic) };
}

function normalizeToxic(t: ToxicState): ToxicState {
  return {
    name: t.name,
    type: t.type,
    stream: t.stream,
    toxicity: typeof t.toxicity === 'number' ? t.toxicity : 1,
    attributes: { ...(t.attributes ?? {}) },
  };
}

/** Splits `host:port` / `[v6]:port` from a proxy's `listen` for building URLs. */
export function listenAddress(listen: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen);
  if (match === null) throw new TypeError(`listen: ${JSON.stringify(listen)} is not host:port`);
  const rawHost = match[1] ?? match[2] ?? '';
  // Toxiproxy may report a wildcard listener; loopback reaches it.
  const host = rawHost === '' || rawHost === '0.0.0.0' || rawHost === '::' ? '127.0.0.1' : rawHost;
  return { host, port: Number(match[3]) };
}
