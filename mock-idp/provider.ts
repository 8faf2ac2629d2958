/**
 * The provider's state: every issuer and the data-plane route table (a Map from exact path
 * to issuer × endpoint, so routing is one lookup). No sockets here.
 */
import { CLIENT_PREFIX, type Endpoint, type MeasurementHooks, type SigningAlg } from './contracts.ts';
import { IssuerRuntime, resolveIssuer, type IssuerOptions } from './issuer.ts';
import type { Random } from '../src/util/random.ts';

export interface DataRoute {
  issuer: IssuerRuntime;
  endpoint: Endpoint;
}

export interface ProviderOptions {
  /** Base URL of the data plane, no trailing slash. */
  dataUrl: string;
  issuers: readonly IssuerOptions[];
  alg: SigningAlg;
  seed: number | undefined;
  hooks: MeasurementHooks;
  random: Random;
}

/** Issuer names must be one clean path segment and must not shadow the client prefix. */
export const ISSUER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class Provider {
  readonly issuers = new Map<string, IssuerRuntime>();
  readonly dataUrl: string;
  private routes = new Map<string, DataRoute>();
  private readonly hooks: MeasurementHooks;

  private constructor(options: ProviderOptions) {
    this.dataUrl = options.dataUrl;
    this.hooks = options.hooks;
    for (const issuerOptions of options.issuers) {
      const config = resolveIssuer(issuerOptions, options.dataUrl, options.alg);
      const issuer = new IssuerRuntime(config, {
        source: { seed: options.seed },
        hooks: options.hooks,
        random: options.random.fork(`issuer:${config.name}`),
      });
      issuer.onRoutesChanged = () => this.rebuildRoutes();
      this.issuers.set(config.name, issuer);
    }
  }

  static async create(options: ProviderOptions): Promise<Provider> {
    if (options.issuers.length === 0) throw new TypeError('issuers: at least one issuer is required');
    const names = new Set<string>();
    for (const issuer of options.issuers) {
      if (!ISSUER_NAME.test(issuer.name) || issuer.name === CLIENT_PREFIX) {
        throw new TypeError(
          `issuers: ${JSON.stringify(issuer.name)} is not a valid issuer name (letters, digits, . _ -; not "${CLIENT_PREFIX}")`,
        );
      }
      if (names.has(issuer.name))
        throw new TypeError(`issuers: ${JSON.stringify(issuer.name)} is listed twice`);
      names.add(issuer.name);
    }
    const provider = new Provider(options);
    for (const issuer of provider.issuers.values()) await issuer.init();
    provider.rebuildRoutes();
    return provider;
  }

  /** The route for a path without client prefix, e.g. `/gitlab/oauth/discovery/keys`. */
  resolve(path: string): DataRoute | undefined {
    return this.routes.get(path);
  }

  issuer(name: string): IssuerRuntime | undefined {
    return this.issuers.get(name);
  }

  rebuildRoutes(): void {
    const routes = new Map<string, DataRoute>();
    for (const issuer of this.issuers.values()) {
      const base = `/${issuer.name}`;
      routes.set(`${base}/.well-known/openid-configuration`, { issuer, endpoint: 'discovery' });
      routes.set(`${base}/token`, { issuer, endpoint: 'token' });
      routes.set(`${base}/authorize`, { issuer, endpoint: 'authorize' });
      routes.set(`${base}/userinfo`, { issuer, endpoint: 'userinfo' });
      // Set last: a JWKS path that equals another endpoint's wins, as configured.
      routes.set(`${base}/${issuer.config.jwksPath}`, { issuer, endpoint: 'jwks' });
    }
    this.routes = routes;
  }

  async reset(): Promise<void> {
    for (const issuer of this.issuers.values()) await issuer.reset();
    this.rebuildRoutes();
    this.hooks.onEvent({ type: 'reset' });
  }

  close(): void {
    for (const issuer of this.issuers.values()) issuer.close();
  }
}
