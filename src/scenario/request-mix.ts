/**
 * Turns a scenario's request mix into the load engine's RequestSource: each request draws a
 * kind by weight (seeded), takes a token (a pooled, refreshed one, the one reused token of a
 * careless canary, or a token minted in a bad shape), renders the SUT route with claim-derived
 * headers (sent right, omitted or mismatched), says which statuses it expects, and goes to the
 * next SUT replica in turn.
 */
import type { RequestContext, RequestSource, RequestSpec } from '../load/types.ts';
import { compileTemplate } from '../load/request-template.ts';
import type { RequestTemplate, RequestTemplateInput } from '../load/request-template.ts';
import { createTokenPool, decodeClaims } from '../load/token-pool.ts';
import type { IssuedToken, TokenPool } from '../load/token-pool.ts';
import type { Random } from '../util/random.ts';
import type { RequestKindInput, TokenShape } from './define.ts';
import type { MockIdp } from '../../mock-idp/index.ts';

/** Minted tokens per (issuer, shape) batch; reused round-robin until the next invalidation. */
const MINT_BATCH = 32;

export interface MixOptions {
  idp: MockIdp;
  /** Token endpoint the simulated clients use (direct to mock-idp: faults are for the SUT). */
  tokenUrl: (issuer: string) => string;
  /** Issuer used when a kind names none. */
  defaultIssuer: string;
  /** SUT routes by name (`default` must exist). */
  routes: Readonly<Record<string, RequestTemplateInput>>;
  /** Mix per engine phase index (a phase without its own mix uses the scenario's). */
  phaseMixes: readonly (readonly RequestKindInput[])[];
  /** Base URLs of the SUT replicas, used in turn. */
  targets: () => readonly string[];
  random: Random;
  seed: number;
  /** Simulated clients per issuer's token pool. */
  clientsPerIssuer: number;
  /** Token lifetime asked of the IdP (s). */
  tokenLifetimeS: number;
  allowHosts: readonly string[];
}

interface PreparedKind {
  input: RequestKindInput;
  issuer: string;
  template: RequestTemplate;
  expect: readonly number[];
}

/** The request source plus the controls the timeline needs (refresh, expire, invalidate). */
export class RequestMix {
  readonly source: RequestSource;
  readonly #options: MixOptions;
  readonly #pools = new Map<string, TokenPool>();
  readonly #reused = new Map<string, IssuedToken>();
  readonly #minted = new Map<string, Promise<string[]>>();
  readonly #mintCursor = new Map<string, number>();
  readonly #phases: { kinds: PreparedKind[]; cumulative: number[]; total: number }[];
  #next = 0;

  constructor(options: MixOptions) {
    this.#options = options;
    const templates = new Map<string, RequestTemplate>();
    const templateFor = (route: string): RequestTemplate => {
      let t = templates.get(route);
      if (t === undefined) {
        const input = options.routes[route];
        if (input === undefined) throw new TypeError(`route: unknown SUT route ${JSON.stringify(route)}`);
        t = compileTemplate(input, route === 'default' ? 'sut.request' : `route ${route}`);
        templates.set(route, t);
      }
      return t;
    };
    this.#phases = options.phaseMixes.map((mix) => {
      const kinds = mix.map((input): PreparedKind => {
        const template = templateFor(input.route ?? 'default');
        return {
          input,
          issuer: input.issuer ?? options.defaultIssuer,
          template,
          expect: input.expect ?? defaultExpect(input, template),
        };
      });
      const cumulative: number[] = [];
      let total = 0;
      for (const k of kinds) cumulative.push((total += k.input.share));
      return { kinds, cumulative, total };
    });
    this.source = (ctx) => this.#produce(ctx);
  }

  /**
   * Obtains the first tokens of every issuer the mix uses (before the load starts), and the one
   * token a `pool-reused` kind keeps for the whole run: taken now, so it predates everything the
   * timeline changes (the careless canary's token is the one it got at start, whenever it first
   * sends it).
   */
  async start(): Promise<void> {
    const issuers = new Set(this.#phases.flatMap((p) => p.kinds.filter(usesPool).map((k) => k.issuer)));
    for (const issuer of issuers) await this.#pool(issuer).start();
    const reusing = new Set(
      this.#phases.flatMap((p) =>
        p.kinds.filter((k) => k.input.token === 'pool-reused').map((k) => k.issuer),
      ),
    );
    for (const issuer of reusing) this.#reused.set(issuer, await this.#pool(issuer).take());
  }

  /** Every simulated client renews now (e.g. right after a key rotation). Minted shapes are re-minted. */
  async forceRefresh(): Promise<void> {
    this.invalidateMinted();
    await Promise.all([...this.#pools.values()].map((p) => p.forceRefresh()));
  }

  expireAll(mode: 'aligned' | 'jittered', spreadMs?: number): void {
    for (const pool of this.#pools.values())
      pool.expireAll({ mode, ...(spreadMs === undefined ? {} : { spreadMs }) });
  }

  /** Forgets minted tokens: they were signed under keys, clocks or claims that just changed. */
  invalidateMinted(): void {
    this.#minted.clear();
  }

  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((p) => p.close()));
  }

  #pool(issuer: string): TokenPool {
    let pool = this.#pools.get(issuer);
    if (pool === undefined) {
      const o = this.#options;
      pool = createTokenPool({
        tokenUrl: o.tokenUrl(issuer),
        clients: o.clientsPerIssuer,
        clientIdPrefix: `keystorm-${issuer}`,
        expiresIn: o.tokenLifetimeS,
        seed: o.seed,
        allowHosts: o.allowHosts,
      });
      this.#pools.set(issuer, pool);
    }
    return pool;
  }

  #pickKind(phaseIndex: number): PreparedKind {
    const phase = this.#phases[Math.min(phaseIndex, this.#phases.length - 1)];
    if (phase === undefined || phase.kinds.length === 0) throw new Error('empty request mix');
    const draw = this.#options.random.next() * phase.total;
    const index = phase.cumulative.findIndex((c) => draw < c);
    return phase.kinds[index < 0 ? phase.kinds.length - 1 : index] as PreparedKind;
  }

  #produce(ctx: RequestContext): RequestSpec | Promise<RequestSpec> {
    const kind = this.#pickKind(ctx.phaseIndex);
    const token = kind.input.token ?? 'pool';
    if (token === 'pool') {
      const taken = this.#pool(kind.issuer).take();
      return taken instanceof Promise
        ? taken.then((t) => this.#build(kind, ctx, t.token, t.claims, t.client))
        : this.#build(kind, ctx, taken.token, taken.claims, taken.client);
    }
    if (token === 'pool-reused') {
      const kept = this.#reused.get(kind.issuer);
      if (kept !== undefined) return this.#build(kind, ctx, kept.token, kept.claims, kept.client);
      return Promise.resolve(this.#pool(kind.issuer).take()).then((t) => {
        this.#reused.set(kind.issuer, t);
        return this.#build(kind, ctx, t.token, t.claims, t.client);
      });
    }
    if (token === 'none') return this.#build(kind, ctx, '', {}, 'anonymous');
    return this.#mintedToken(kind.issuer, token).then((t) =>
      this.#build(kind, ctx, t, safeClaims(t), 'minted'),
    );
  }

  async #mintedToken(issuer: string, shape: TokenShape): Promise<string> {
    const key = `${issuer}\u0000${shape}`;
    let batch = this.#minted.get(key);
    if (batch === undefined) {
      batch = this.#options.idp.admin.tokens
        .mint(issuer, { count: MINT_BATCH, shape, expiresIn: this.#options.tokenLifetimeS })
        .then((r) => r.tokens);
      // A failed mint is retried by the next request rather than cached.
      batch.catch(() => this.#minted.delete(key));
      this.#minted.set(key, batch);
    }
    const tokens = await batch;
    const cursor = this.#mintCursor.get(key) ?? 0;
    this.#mintCursor.set(key, cursor + 1);
    return tokens[cursor % tokens.length] ?? '';
  }

  #build(
    kind: PreparedKind,
    ctx: RequestContext,
    token: string,
    claims: Readonly<Record<string, unknown>>,
    client: string,
  ): RequestSpec {
    const headersMode = kind.input.headers ?? 'ok';
    const faults =
      headersMode === 'omit'
        ? { omit: kind.template.claimHeaders }
        : headersMode === 'mismatch'
          ? { mismatch: kind.template.claimHeaders }
          : undefined;
    const rendered = kind.template.render({ token, claims, client, seq: ctx.seq, phase: ctx.phase }, faults);
    const headers = { ...rendered.headers };
    if (token === '') delete headers.authorization;
    const targets = this.#options.targets();
    const base = targets[this.#next++ % Math.max(1, targets.length)] ?? '';
    return {
      method: rendered.method,
      url: new URL(rendered.path, base).href,
      headers,
      ...(rendered.body === undefined ? {} : { body: rendered.body }),
      kind: kind.input.kind,
      expect: kind.expect,
    };
  }
}

function usesPool(kind: PreparedKind): boolean {
  const token = kind.input.token ?? 'pool';
  return token === 'pool' || token === 'pool-reused';
}

function safeClaims(token: string): Readonly<Record<string, unknown>> {
  try {
    return decodeClaims(token);
  } catch {
    return {};
  }
}

/** What a request of this kind should get when the scenario does not say. */
export function defaultExpect(input: RequestKindInput, template: RequestTemplate): readonly number[] {
  if (input.headers === 'omit' || input.headers === 'mismatch') return [401];
  const token = input.token ?? 'pool';
  if (token === 'missing-scope') return [403];
  if (token === 'pool' || token === 'pool-reused' || token === 'valid' || token === 'short-lived') {
    return template.expect ?? [200];
  }
  return [401];
}
