/**
 * The one request source of scenarios: turns a scenario's request mix into the load engine's
 * RequestSource. Each request draws a mix entry by weight (seeded), takes a token (a pooled,
 * refreshed one, the one reused token of a careless canary, or a token minted in a bad shape),
 * renders the SUT route with claim-derived headers (sent right, omitted or mismatched), goes to
 * the next SUT replica in turn, and is tagged and given its expected statuses:
 * - its kind is the entry's name; a pooled token adds its state as a tag (`fresh`, `expiring`,
 *   `refreshed`, `stale`), so `{kind:fresh}` in an SLO means a fresh token;
 * - its `expect` comes from the one expectation table (src/load/outcome.ts): the entry's own
 *   `expect` where it has one, except that a stale token is always expected to be refused.
 */
import type { RequestContext, RequestSource, RequestSpec } from '../load/types.ts';
import { expectationFor, TOKEN_STATES } from '../load/outcome.ts';
import type { HeaderMode, RequestCase, TokenState } from '../load/outcome.ts';
import { compileTemplate } from '../load/request-template.ts';
import type { RequestTemplate, RequestTemplateInput } from '../load/request-template.ts';
import { createMintedTokens } from '../load/token-pool-minted.ts';
import type { MintedTokens } from '../load/token-pool-minted.ts';
import { createTokenPool, decodeClaims, stateAt } from '../load/token-pool.ts';
import type { IssuedToken, TokenPool } from '../load/token-pool.ts';
import type { Random } from '../util/random.ts';
import type { RequestKindInput } from './define.ts';
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

/** A mix entry ready to produce requests: its token source, template and expectations. */
interface PreparedKind {
  input: RequestKindInput;
  issuer: string;
  template: RequestTemplate;
  token: NonNullable<RequestKindInput['token']>;
  headers: HeaderMode;
  /** The expectation of a request whose token is not pooled (minted or none). */
  expect: readonly number[] | undefined;
  /** The expectation of a pooled token in each state. */
  expectByState: Readonly<Record<TokenState, readonly number[] | undefined>>;
}

/** The request source plus the controls the timeline needs (refresh, expire, invalidate). */
export class RequestMix {
  readonly source: RequestSource;
  readonly #options: MixOptions;
  readonly #pools = new Map<string, TokenPool>();
  readonly #reused = new Map<string, IssuedToken>();
  readonly #minted: MintedTokens;
  readonly #phases: { kinds: PreparedKind[]; cumulative: number[]; total: number }[];
  #next = 0;

  constructor(options: MixOptions) {
    this.#options = options;
    this.#minted = createMintedTokens({
      minter: options.idp.admin.tokens,
      batch: MINT_BATCH,
      expiresIn: options.tokenLifetimeS,
    });
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
      const kinds = mix.map((input) =>
        prepareKind(input, templateFor(input.route ?? 'default'), options.defaultIssuer),
      );
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
      this.#phases.flatMap((p) => p.kinds.filter((k) => k.token === 'pool-reused').map((k) => k.issuer)),
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
    this.#minted.invalidate();
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
    if (kind.token === 'pool') {
      const taken = this.#pool(kind.issuer).take();
      return taken instanceof Promise
        ? taken.then((t) => this.#pooled(kind, ctx, t, t.state))
        : this.#pooled(kind, ctx, taken, taken.state);
    }
    if (kind.token === 'pool-reused') {
      // The kept token ages like any other: once past its expiry it is stale, and expected refused.
      const kept = this.#reused.get(kind.issuer);
      if (kept !== undefined) return this.#pooled(kind, ctx, kept, stateAt(kept, Date.now()));
      return Promise.resolve(this.#pool(kind.issuer).take()).then((t) => {
        this.#reused.set(kind.issuer, t);
        return this.#pooled(kind, ctx, t, t.state);
      });
    }
    if (kind.token === 'none') return this.#build(kind, ctx, '', {}, 'anonymous', kind.expect);
    return this.#minted
      .take(kind.issuer, kind.token)
      .then((t) => this.#build(kind, ctx, t, decodeClaims(t), 'minted', kind.expect));
  }

  #pooled(kind: PreparedKind, ctx: RequestContext, t: IssuedToken, state: TokenState): RequestSpec {
    const spec = this.#build(kind, ctx, t.token, t.claims, t.client, kind.expectByState[state]);
    spec.tags = STATE_TAGS[state];
    return spec;
  }

  #build(
    kind: PreparedKind,
    ctx: RequestContext,
    token: string,
    claims: Readonly<Record<string, unknown>>,
    client: string,
    expect: readonly number[] | undefined,
  ): RequestSpec {
    const faults =
      kind.headers === 'omit'
        ? { omit: kind.template.claimHeaders }
        : kind.headers === 'mismatch'
          ? { mismatch: kind.template.claimHeaders }
          : undefined;
    const rendered = kind.template.render({ token, claims, client, seq: ctx.seq, phase: ctx.phase }, faults);
    const headers = { ...rendered.headers };
    if (token === '') delete headers.authorization;
    const targets = this.#options.targets();
    const base = targets[this.#next++ % Math.max(1, targets.length)] ?? '';
    const spec: RequestSpec = {
      method: rendered.method,
      url: new URL(rendered.path, base).href,
      headers,
      kind: kind.input.kind,
    };
    if (rendered.body !== undefined) spec.body = rendered.body;
    if (expect !== undefined) spec.expect = expect;
    return spec;
  }
}

/** One frozen tag list per state, shared by every request (the engine never mutates specs). */
const STATE_TAGS: Readonly<Record<TokenState, readonly string[]>> = Object.freeze(
  Object.fromEntries(TOKEN_STATES.map((s) => [s, Object.freeze([s])])) as Record<
    TokenState,
    readonly string[]
  >,
);

function prepareKind(
  input: RequestKindInput,
  template: RequestTemplate,
  defaultIssuer: string,
): PreparedKind {
  const token = input.token ?? 'pool';
  const headers = input.headers ?? 'ok';
  const expect = (c: RequestCase): readonly number[] | undefined =>
    expectationFor({
      token: c,
      headers,
      ...(input.expect === undefined ? {} : { declared: input.expect }),
      ...(template.expect === undefined ? {} : { success: template.expect }),
    });
  const expectByState = Object.fromEntries(TOKEN_STATES.map((s) => [s, expect(s)])) as Record<
    TokenState,
    readonly number[] | undefined
  >;
  const fixed: RequestCase =
    token === 'none' ? 'no-token' : token === 'pool' || token === 'pool-reused' ? 'fresh' : token;
  return {
    input,
    issuer: input.issuer ?? defaultIssuer,
    template,
    token,
    headers,
    expect: expect(fixed),
    expectByState,
  };
}

function usesPool(kind: PreparedKind): boolean {
  return kind.token === 'pool' || kind.token === 'pool-reused';
}
