/**
 * The world a run plays in: mock-idp, the fault proxy with one proxy per issuer in front of it,
 * and the SUT started per scenario with its env pointing at the proxied issuer URLs. Everything
 * started here is recorded in the run's FaultLedger or stopped by close(), also on failure.
 */
import type { FaultLedger } from '../faults/ledger.ts';
import { sweepStaleProxies } from '../faults/ledger.ts';
import type { FaultContext, RunProxy } from '../faults/types.ts';
import { connectProxyControl } from '../proxy/adapter-control.ts';
import type { ProxyControl } from '../proxy/adapter-control.ts';
import { createSut } from '../sut/index.ts';
import type { ReplicaIdentity, Sut, SutOptions } from '../sut/types.ts';
import type { TemplateContext } from '../sut/template.ts';
import { idpTemplateContext } from '../sut/idp-context.ts';
import type { IssuerEndpoint } from '../sut/idp-context.ts';
import { startMockIdp } from '../../mock-idp/index.ts';
import type { MockIdp, MockIdpOptions } from '../../mock-idp/index.ts';

export interface EnvironmentOptions {
  idp: MockIdpOptions;
  /** The `aud` every issuer's tokens carry (config `idp.audience`), offered to the SUT as `{{idp.audience}}`. */
  audience?: string;
  /** Toxiproxy API to drive; default TOXIPROXY_URL, else the embedded server. */
  toxiproxyUrl?: string;
  /** Where the embedded proxy API listens (default 127.0.0.1, a free port). */
  proxyApi?: { host: string; port: number };
  /**
   * Where the per-issuer proxies listen (fixed ports by issuer name, else free ones) and the
   * host name the SUT reaches them by. Default: 127.0.0.1, free ports.
   */
  proxyListen?: { host: string; ports: Readonly<Record<string, number>>; publicHost: string };
  /** Run seed; mock-idp uses `idp.seed` instead when that is given. */
  seed: number;
  /** Drill time × timeScale = run time; also scales `{{scaled …}}` in the SUT's env. */
  timeScale: number;
  sut: SutOptions;
  allowHosts: readonly string[];
  /** Lease of HTTP faults at mock-idp, so a SIGKILLed run leaves nothing behind for long. */
  httpFaultTtlMs: number;
  /** Called for ledger events worth a log line (reverts that failed, signals). */
  onLog?: (line: string) => void;
}

export class RunEnvironment {
  readonly ledger: FaultLedger;
  readonly faultContext: FaultContext;
  #sut: Sut | undefined;

  private constructor(
    readonly options: EnvironmentOptions,
    readonly idp: MockIdp,
    readonly proxy: ProxyControl,
    readonly proxies: ReadonlyMap<string, RunProxy>,
    ledger: FaultLedger,
    readonly issuers: readonly IssuerEndpoint[],
  ) {
    this.ledger = ledger;
    this.faultContext = {
      network: { adapter: proxy.adapter, proxies },
      idp: { faults: idp.admin.faults },
      httpTtlMs: options.httpFaultTtlMs,
    };
  }

  /** Starts mock-idp and the proxy, and puts one proxy per issuer in front of mock-idp. */
  static async start(options: EnvironmentOptions, ledger: FaultLedger): Promise<RunEnvironment> {
    const idp = await startMockIdp({ seed: options.seed, ...options.idp });
    ledger.record('stop mock-idp', () => idp.close());
    const proxy = await connectProxyControl({
      seed: options.seed,
      ...(options.toxiproxyUrl === undefined ? {} : { url: options.toxiproxyUrl }),
      ...options.proxyApi,
    });
    ledger.record('stop the fault proxy', () => proxy.close());
    // A real Toxiproxy outlives us: drop proxies a SIGKILLed earlier run left behind.
    if (!proxy.embedded) await sweepStaleProxies(proxy.adapter);
    const upstream = new URL(idp.dataUrl).host;
    const proxies = new Map<string, RunProxy>();
    const where = options.proxyListen ?? { host: '127.0.0.1', ports: {}, publicHost: '127.0.0.1' };
    for (const issuer of idp.issuers) {
      const created = await ledger.createProxy(proxy.adapter, {
        alias: issuer.name,
        listen: `${hostPort(where.host)}:${where.ports[issuer.name] ?? 0}`,
        upstream,
      });
      proxies.set(issuer.name, created);
    }
    const infos = await idp.admin.issuers.list();
    const issuers = idp.issuers.map((i): IssuerEndpoint => {
      const listen = proxies.get(i.name)?.listen;
      // The SUT sees the public host and the port the proxy really got: stable with fixed ports.
      const authority =
        listen === undefined ? upstream : `${hostPort(where.publicHost)}:${new URL(`http://${listen}`).port}`;
      const base = `${new URL(idp.dataUrl).protocol}//${authority}/${i.name}`;
      const jwksPath = infos.find((info) => info.name === i.name)?.jwksPath ?? 'jwks';
      return { name: i.name, base, issuer: base, jwksPath };
    });
    const env = new RunEnvironment(options, idp, proxy, proxies, ledger, issuers);
    await env.pointIssuersAtProxies();
    return env;
  }

  /**
   * Makes every issuer advertise (discovery) and sign (`iss`) with its proxied URL, so the SUT
   * reaches keys through the proxy only. Needed again after every mock-idp reset.
   */
  async pointIssuersAtProxies(): Promise<void> {
    for (const issuer of this.issuers) {
      await this.idp.admin.issuers.update(issuer.name, { baseUrl: issuer.base, issuerUrl: issuer.issuer });
    }
  }

  /**
   * Puts every run proxy back to clean (enabled, no toxics) before a scenario, so nothing one
   * scenario did can leak into the next even if a revert failed.
   */
  async cleanProxies(): Promise<void> {
    const adapter = this.proxy.adapter;
    for (const proxy of this.proxies.values()) {
      for (const toxic of await adapter.listToxics(proxy.name))
        await adapter.removeToxic(proxy.name, toxic.name);
      const state = await adapter.getProxy(proxy.name);
      if (!state.enabled) await adapter.enable(proxy.name);
    }
  }

  /** The harness's own token endpoint for an issuer: direct, never through the fault proxy. */
  directTokenUrl(issuer: string): string {
    return `${this.idp.dataUrl}/${issuer}/token`;
  }

  /** Template values for the SUT's command, env and URLs (per replica: its own client prefix). */
  templateContext(replica: ReplicaIdentity): TemplateContext {
    return idpTemplateContext({
      issuers: this.issuers,
      replicaId: replica.id,
      adminUrl: this.idp.adminUrl,
      proxyUrl: this.proxy.url,
      caPath: this.idp.caPath,
      audience: this.options.audience,
      timeScale: this.options.timeScale,
    });
  }

  /** Starts the SUT for a scenario (replicas given by the scenario or the config). */
  async startSut(replicas: number, waitForReady: boolean, signal?: AbortSignal): Promise<Sut> {
    await this.stopSut();
    const options: SutOptions =
      'command' in this.options.sut ? { ...this.options.sut, replicas } : this.options.sut;
    const sut = await createSut(options, {
      context: (replica) => this.templateContext(replica),
      allowHosts: this.options.allowHosts,
      ...(signal === undefined ? {} : { signal }),
    });
    this.#sut = sut;
    await sut.start({ waitForReady });
    return sut;
  }

  async stopSut(): Promise<void> {
    const sut = this.#sut;
    this.#sut = undefined;
    await sut?.stop();
  }

  /** Stops the SUT; the ledger's rollback (run by the caller) removes proxies and stops the rest. */
  async close(): Promise<void> {
    await this.stopSut();
  }
}

/** An IPv6 literal in brackets, as `host:port` and URLs need it. */
function hostPort(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
