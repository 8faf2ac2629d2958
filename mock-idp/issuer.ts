/**
 * One issuer: its configuration (claim template, JWKS path, cache policy, clock offset), its
 * keys, clients and grants, and the pre-serialised JWKS and discovery responses the data plane
 * serves. Bodies are rebuilt once per change and swapped in one assignment, so a request
 * always sees a whole old or a whole new body and the hot path never serialises anything.
 */
import { createHash } from 'node:crypto';
import type { JWK } from 'jose';
import {
  CLIENT_PREFIX,
  SIGNING_ALGS,
  type MeasurementHooks,
  type PreparedResponse,
  type SigningAlg,
} from './contracts.ts';
import { BUILT_IN_AUDIENCE, GENERIC_AUDIENCE } from './contracts.ts';
import { KeyStore } from './keys/key-store.ts';
import type { MaterialSource } from './keys/material.ts';
import { ClientRegistry, CLIENT_AUTH_METHODS, GRANTS } from './oauth/clients.ts';
import { GrantStore } from './oauth/grants-store.ts';
import type { ClaimTemplate, TokenContext } from './tokens/mint.ts';
import type { Random } from '../src/util/random.ts';

export const ETAG_MODES = ['correct', 'wrong', 'off'] as const;
/**
 * `correct`: strong ETag of the body, 304 only when If-None-Match names the current body.
 * `wrong`: 304 to every conditional request, even after the keys changed (a stale-cache trap).
 * `off`: no ETag, conditional requests get the full body.
 */
export type EtagMode = (typeof ETAG_MODES)[number];

export interface CachePolicy {
  /** Cache-Control sent with JWKS and discovery responses; '' sends none. */
  cacheControl: string;
  etag: EtagMode;
}

/** Options for one issuer; every field but `name` has a default. */
export interface IssuerOptions {
  /** Path segment, e.g. `gitlab` → `/gitlab/...`. Letters, digits, `.`, `_`, `-`. */
  name: string;
  /** The `iss` claim and discovery `issuer`. Default: `baseUrl`. */
  issuerUrl?: string;
  /** Where endpoints are advertised (e.g. through a proxy). Default: `{dataUrl}/{name}`. */
  baseUrl?: string;
  /** JWKS path under the issuer. Default `jwks` (the default issuers use `oauth/discovery/keys`). */
  jwksPath?: string;
  /** One active key per alg at start; the first signs. Default: the server's `alg`. */
  algs?: SigningAlg[];
  /** `aud` of access tokens. Default `keystorm`. */
  audience?: string | string[];
  /** Scopes granted when a request names none. Default `['api']`. */
  scopes?: string[];
  /** The scope `missing-scope` tokens lack. Default: first of `scopes`. */
  requiredScope?: string;
  /** Custom claims in every access token (instance ids, seat counts …). */
  claims?: Record<string, unknown>;
  /** Access-token lifetime in seconds. Default 3600. */
  expiresIn?: number;
  /** Skews iat/nbf/exp (and code/refresh expiry checks) by this many ms. Default 0. */
  clockOffsetMs?: number;
  cache?: Partial<CachePolicy>;
}

export interface ResolvedIssuer {
  name: string;
  issuerUrl: string;
  baseUrl: string;
  jwksPath: string;
  algs: SigningAlg[];
  template: ClaimTemplate;
  clockOffsetMs: number;
  cache: CachePolicy;
}

export const DEFAULT_CACHE: CachePolicy = { cacheControl: 'public, max-age=300', etag: 'correct' };

/** The two issuers started by default, shaped after gitlab.com and CustomersDot (Cloud Connector). */
export const DEFAULT_ISSUERS: readonly IssuerOptions[] = [
  {
    name: 'gitlab',
    jwksPath: 'oauth/discovery/keys',
    audience: BUILT_IN_AUDIENCE,
    scopes: ['code_suggestions', 'duo_chat'],
    claims: { gitlab_realm: 'saas', gitlab_instance_id: '00000000-0000-4000-8000-000000000001' },
  },
  {
    name: 'customersdot',
    jwksPath: 'oauth/discovery/keys',
    audience: BUILT_IN_AUDIENCE,
    scopes: ['code_suggestions', 'duo_chat'],
    claims: {
      gitlab_realm: 'self-managed',
      gitlab_instance_id: '00000000-0000-4000-8000-000000000002',
      seat_count: 100,
    },
  },
];

/** Fills every default. `dataUrl` has no trailing slash. */
export function resolveIssuer(
  options: IssuerOptions,
  dataUrl: string,
  defaultAlg: SigningAlg,
): ResolvedIssuer {
  const baseUrl = options.baseUrl ?? `${dataUrl}/${options.name}`;
  const scopes = options.scopes ?? ['api'];
  return {
    name: options.name,
    issuerUrl: options.issuerUrl ?? baseUrl,
    baseUrl,
    jwksPath: (options.jwksPath ?? 'jwks').replace(/^\/+|\/+$/g, ''),
    algs: options.algs ?? [defaultAlg],
    template: {
      audience: options.audience ?? GENERIC_AUDIENCE,
      scopes,
      requiredScope: options.requiredScope,
      claims: options.claims ?? {},
      expiresIn: options.expiresIn ?? 3600,
    },
    clockOffsetMs: options.clockOffsetMs ?? 0,
    cache: { ...DEFAULT_CACHE, ...options.cache },
  };
}

/** What admin `GET /issuers/:issuer` returns. */
export interface IssuerInfo {
  name: string;
  issuerUrl: string;
  baseUrl: string;
  jwksPath: string;
  algs: SigningAlg[];
  audience: string | string[];
  scopes: string[];
  requiredScope: string | undefined;
  claims: Record<string, unknown>;
  expiresIn: number;
  clockOffsetMs: number;
  cache: CachePolicy;
  /** Algorithms of the keys now served (what discovery advertises). */
  servedAlgs: SigningAlg[];
  signingKid: string | undefined;
  pendingRotationSteps: number;
}

export interface IssuerDeps {
  source: MaterialSource;
  hooks: MeasurementHooks;
  random: Random;
}

const JWKS_TYPE = 'application/json';

function etagOf(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

export class IssuerRuntime {
  readonly name: string;
  config: ResolvedIssuer;
  readonly keys: KeyStore;
  readonly clients = new ClientRegistry();
  readonly grants = new GrantStore();
  private readonly deps: IssuerDeps;
  private readonly initial: ResolvedIssuer;
  private jwksOk: PreparedResponse[] = [];
  private jwksNotModified: PreparedResponse[] = [];
  private etags: string[] = [];
  private flapCount = 0;
  private flapPeriodMs: number | undefined;
  private discovery: PreparedResponse | undefined;
  private readonly prefixedDiscovery = new Map<string, PreparedResponse>();
  private ctx: TokenContext;
  /** Invalidation hook for the data router (jwksPath changes move a route). */
  onRoutesChanged: () => void = () => {};

  constructor(config: ResolvedIssuer, deps: IssuerDeps) {
    this.name = config.name;
    this.config = config;
    this.initial = structuredClone(config);
    this.deps = deps;
    this.keys = new KeyStore({
      issuer: config.name,
      source: deps.source,
      onChange: () => this.rebuild(),
      onEvent: (type, detail) => deps.hooks.onEvent({ type, issuer: this.name, detail }),
    });
    this.ctx = this.makeTokenContext();
  }

  async init(): Promise<void> {
    await this.keys.init(this.config.algs);
  }

  /** Back to the configuration and keys of start-up (same keys again when seeded). */
  async reset(): Promise<void> {
    const routesMoved = this.config.jwksPath !== this.initial.jwksPath;
    this.config = structuredClone(this.initial);
    this.clients.clear();
    this.grants.clear();
    this.ctx = this.makeTokenContext();
    await this.keys.init(this.config.algs);
    if (routesMoved) this.onRoutesChanged();
  }

  close(): void {
    this.keys.close();
  }

  /** The issuer's clock: wall clock plus its offset, epoch ms. */
  now(): number {
    return Date.now() + this.config.clockOffsetMs;
  }

  get tokenContext(): TokenContext {
    return this.ctx;
  }

  /** Applies a validated patch. */
  update(patch: Partial<Omit<IssuerOptions, 'name' | 'algs'>>): void {
    const c = this.config;
    const jwksPathBefore = c.jwksPath;
    if (patch.issuerUrl !== undefined) c.issuerUrl = patch.issuerUrl;
    if (patch.baseUrl !== undefined) c.baseUrl = patch.baseUrl;
    if (patch.jwksPath !== undefined) c.jwksPath = patch.jwksPath.replace(/^\/+|\/+$/g, '');
    if (patch.audience !== undefined) c.template.audience = patch.audience;
    if (patch.scopes !== undefined) c.template.scopes = patch.scopes;
    if (patch.requiredScope !== undefined) c.template.requiredScope = patch.requiredScope;
    if (patch.claims !== undefined) c.template.claims = patch.claims;
    if (patch.expiresIn !== undefined) c.template.expiresIn = patch.expiresIn;
    if (patch.clockOffsetMs !== undefined) c.clockOffsetMs = patch.clockOffsetMs;
    if (patch.cache !== undefined) c.cache = { ...c.cache, ...patch.cache };
    this.ctx = this.makeTokenContext();
    this.rebuild();
    if (c.jwksPath !== jwksPathBefore) this.onRoutesChanged();
    this.deps.hooks.onEvent({
      type: 'issuer.updated',
      issuer: this.name,
      detail: { fields: Object.keys(patch) },
    });
  }

  info(): IssuerInfo {
    const c = this.config;
    return {
      name: c.name,
      issuerUrl: c.issuerUrl,
      baseUrl: c.baseUrl,
      jwksPath: c.jwksPath,
      algs: c.algs,
      audience: c.template.audience,
      scopes: c.template.scopes,
      requiredScope: c.template.requiredScope,
      claims: c.template.claims,
      expiresIn: c.template.expiresIn,
      clockOffsetMs: c.clockOffsetMs,
      cache: c.cache,
      servedAlgs: this.keys.servedAlgs(),
      signingKid: this.keys.signer()?.kid,
      pendingRotationSteps: this.keys.pendingSteps,
    };
  }

  /** The JWKS response for a request (hot path: a few comparisons, no allocation). */
  jwks(ifNoneMatch: string | undefined): PreparedResponse {
    let index = 0;
    if (this.jwksOk.length > 1) {
      index =
        this.flapPeriodMs === undefined
          ? this.flapCount++ % this.jwksOk.length
          : Math.floor(Date.now() / this.flapPeriodMs) % this.jwksOk.length;
    }
    if (ifNoneMatch !== undefined) {
      const mode = this.config.cache.etag;
      if (mode === 'wrong') return this.jwksNotModified[index] as PreparedResponse;
      if (mode === 'correct') {
        const etag = this.etags[index] as string;
        if (
          ifNoneMatch === etag ||
          ifNoneMatch === '*' ||
          ifNoneMatch.split(',').some((t) => t.trim() === etag)
        ) {
          return this.jwksNotModified[index] as PreparedResponse;
        }
      }
    }
    return this.jwksOk[index] as PreparedResponse;
  }

  /** The discovery document, with endpoint URLs under `/_c/{clientId}` when asked through a prefix. */
  discoveryFor(prefixClient: string | undefined): PreparedResponse {
    if (prefixClient === undefined) return this.discovery as PreparedResponse;
    let prepared = this.prefixedDiscovery.get(prefixClient);
    if (prepared === undefined) {
      // Bounded: a flood of distinct client ids must not grow memory without limit.
      if (this.prefixedDiscovery.size >= 1024) this.prefixedDiscovery.clear();
      prepared = this.buildDiscovery(prefixedBase(this.config.baseUrl, prefixClient));
      this.prefixedDiscovery.set(prefixClient, prepared);
    }
    return prepared;
  }

  /** Re-serialises JWKS and discovery; called on every key, config or cache change. */
  rebuild(): void {
    const sets = this.keys.servedSets();
    const cacheHeaders: Record<string, string> = {};
    if (this.config.cache.cacheControl !== '') cacheHeaders['cache-control'] = this.config.cache.cacheControl;
    const ok: PreparedResponse[] = [];
    const notModified: PreparedResponse[] = [];
    const etags: string[] = [];
    for (const keys of sets) {
      const body = Buffer.from(JSON.stringify({ keys } satisfies { keys: JWK[] }));
      const etag = etagOf(body);
      const etagHeader: Record<string, string> = this.config.cache.etag === 'off' ? {} : { etag };
      ok.push({
        status: 200,
        headers: {
          'content-type': JWKS_TYPE,
          'content-length': String(body.length),
          ...cacheHeaders,
          ...etagHeader,
        },
        body,
      });
      notModified.push({ status: 304, headers: { ...cacheHeaders, ...etagHeader }, body: Buffer.alloc(0) });
      etags.push(etag);
    }
    const override = this.keys.servedOverride;
    this.flapPeriodMs = override?.kind === 'flapping' ? override.periodMs : undefined;
    this.prefixedDiscovery.clear();
    const discovery = this.buildDiscovery(this.config.baseUrl);
    // The swap: each assignment replaces a whole array/object that is never mutated afterwards.
    this.jwksOk = ok;
    this.jwksNotModified = notModified;
    this.etags = etags;
    this.discovery = discovery;
  }

  private buildDiscovery(base: string): PreparedResponse {
    const c = this.config;
    let algs = this.keys.servedAlgs();
    // An empty or decoy-only JWKS still needs a non-empty (required) list: advertise the signer's alg.
    if (algs.length === 0) algs = [this.keys.signer()?.alg ?? c.algs[0] ?? 'RS256'];
    const document = {
      issuer: c.issuerUrl,
      authorization_endpoint: `${base}/authorize`,
      token_endpoint: `${base}/token`,
      userinfo_endpoint: `${base}/userinfo`,
      jwks_uri: `${base}/${c.jwksPath}`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: [...GRANTS],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: algs,
      token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
      code_challenge_methods_supported: ['S256'],
      scopes_supported: ['openid', 'offline_access', ...c.template.scopes],
      claims_supported: [
        'iss',
        'sub',
        'aud',
        'exp',
        'iat',
        'nbf',
        'jti',
        'scope',
        'client_id',
        'nonce',
        'auth_time',
      ],
      authorization_response_iss_parameter_supported: true,
    };
    const body = Buffer.from(JSON.stringify(document));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'content-length': String(body.length),
    };
    if (c.cache.cacheControl !== '') headers['cache-control'] = c.cache.cacheControl;
    return { status: 200, headers, body };
  }

  private makeTokenContext(): TokenContext {
    return {
      issuer: this.name,
      issuerUrl: this.config.issuerUrl,
      template: this.config.template,
      now: () => this.now(),
      keys: this.keys,
      random: this.deps.random,
      hooks: this.deps.hooks,
      fallbackAlg: this.config.algs[0] ?? SIGNING_ALGS[0],
    };
  }
}

/** `http://h:p/gitlab` + client `r1` → `http://h:p/_c/r1/gitlab` (the prefix goes before the issuer path). */
export function prefixedBase(baseUrl: string, clientId: string): string {
  const url = new URL(baseUrl);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, '');
  return `${url.origin}/${CLIENT_PREFIX}/${clientId}${path}`;
}
