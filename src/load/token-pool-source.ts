/**
 * The request source that puts the token pool, the request template and the negative cases
 * together, in the shape the load engine consumes (`RequestSource`, src/load/types.ts). Each
 * request draws once from the seeded PRNG: a negative token shape, a missing or mismatched
 * claim header, or (the rest) a valid token from the pool — so the same seed sends the same
 * sequence of cases.
 */
import type { Random } from '../util/random.ts';
import { expectFor } from './outcome.ts';
import type { HeaderFault, NegativeShape, RequestKind } from './outcome.ts';
import { compileTemplate } from './request-template.ts';
import type { RequestTemplate, RequestTemplateInput } from './request-template.ts';
import type { NegativeTokens } from './token-pool-negatives.ts';
import type { TokenPool, IssuedToken } from './token-pool.ts';
import type { RequestContext, RequestSource, RequestSpec } from './types.ts';

export interface TokenRequestSourceOptions {
  pool: TokenPool;
  template: RequestTemplateInput | RequestTemplate;
  random: Random;
  /** Share (0–1) of requests sent with a token of each negative shape. */
  shapes?: Partial<Record<NegativeShape, number>>;
  /** Reservoir of negative tokens (required when `shapes` has a share > 0). */
  negatives?: NegativeTokens;
  /** Share of requests whose claim headers are left out. */
  omitClaimHeaders?: number;
  /** Share of requests whose claim headers carry a value that does not match the claim. */
  mismatchClaimHeaders?: number;
}

type Case = { share: number } & ({ shape: NegativeShape } | { fault: HeaderFault });

/** Builds the source; throws a TypeError naming the option for shares that do not add up. */
export function createTokenRequestSource(options: TokenRequestSourceOptions): RequestSource {
  const template = 'render' in options.template ? options.template : compileTemplate(options.template);
  const cases: Case[] = [];
  for (const [shape, share] of Object.entries(options.shapes ?? {}) as [
    NegativeShape,
    number | undefined,
  ][]) {
    if (share === undefined || share === 0) continue;
    checkShare(share, `shapes.${shape}`);
    if (options.negatives === undefined || !options.negatives.shapes.includes(shape)) {
      throw new TypeError(
        `shapes.${shape}: no '${shape}' tokens in negatives (mint them with mintNegativeTokens)`,
      );
    }
    cases.push({ share, shape });
  }
  for (const [fault, share] of [
    ['header-missing', options.omitClaimHeaders],
    ['header-mismatch', options.mismatchClaimHeaders],
  ] as const) {
    if (share === undefined || share === 0) continue;
    const name = fault === 'header-missing' ? 'omitClaimHeaders' : 'mismatchClaimHeaders';
    checkShare(share, name);
    if (template.claimHeaders.length === 0) {
      throw new TypeError(`${name}: the template has no header filled from a claim ({{claims.…}})`);
    }
    cases.push({ share, fault });
  }
  const total = cases.reduce((sum, c) => sum + c.share, 0);
  if (total > 1 + 1e-9) throw new TypeError(`the negative shares add up to ${total}, more than 1`);

  const build = (
    ctx: RequestContext,
    issued: Pick<IssuedToken, 'token' | 'claims' | 'client'>,
    kind: RequestKind,
    faults?: { omit?: readonly string[]; mismatch?: readonly string[] },
  ): RequestSpec => {
    const rendered = template.render(
      { token: issued.token, claims: issued.claims, client: issued.client, seq: ctx.seq, phase: ctx.phase },
      faults,
    );
    const spec: RequestSpec = {
      method: rendered.method,
      path: rendered.path,
      headers: rendered.headers,
      kind,
    };
    if (rendered.body !== undefined) spec.body = rendered.body;
    const expect = expectFor(kind, template.expect);
    if (expect !== undefined) spec.expect = expect;
    return spec;
  };

  return (ctx) => {
    let draw = options.random.next();
    let chosen: Case | undefined;
    for (const c of cases) {
      if (draw < c.share) {
        chosen = c;
        break;
      }
      draw -= c.share;
    }
    if (chosen !== undefined && 'shape' in chosen) {
      const negative = (options.negatives as NegativeTokens).take(chosen.shape);
      return build(
        ctx,
        { token: negative.token, claims: negative.claims, client: 'negative' },
        `negative:${chosen.shape}`,
      );
    }
    const fault = chosen !== undefined && 'fault' in chosen ? chosen.fault : undefined;
    const finish = (issued: IssuedToken): RequestSpec => {
      if (fault === undefined) return build(ctx, issued, issued.kind);
      const faults =
        fault === 'header-missing' ? { omit: template.claimHeaders } : { mismatch: template.claimHeaders };
      return build(ctx, issued, `negative:${fault}`, faults);
    };
    const issued = options.pool.take();
    return issued instanceof Promise ? issued.then(finish) : finish(issued);
  };
}

function checkShare(share: number, what: string): void {
  if (!(typeof share === 'number' && share >= 0 && share <= 1)) {
    throw new TypeError(`${what}: a share must be a number in [0, 1] (got ${String(share)})`);
  }
}
