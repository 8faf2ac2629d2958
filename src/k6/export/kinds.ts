/**
 * The request mix of each phase as plain data for the script: weight, issuer, where the token
 * comes from, which claim headers are sent wrong, the request's case in keystorm's table of
 * expected answers and the statuses that table expects (src/load/outcome.ts), so k6 and keystorm
 * agree on what a failure is. The case travels as the `token` tag, which ingestion judges by.
 */
import type { RequestTemplate } from '../../load/request-template.ts';
import type { RequestKindInput } from '../../scenario/define.ts';
import { expectationFor, requestCase, type RequestCase } from '../../load/outcome.ts';

/** One request kind as the script sends it. */
export interface ScriptKind {
  kind: string;
  share: number;
  issuer: string;
  /** `pool`, `pool-reused`, `none`, or a token shape minted by mock-idp. */
  token: string;
  headers: 'ok' | 'omit' | 'mismatch';
  /** The case in keystorm's table (`fresh` for a pooled token at its first use). */
  case: RequestCase;
  expect: number[];
}

/** Kinds per phase name, for the phases in `sending` (those that send requests). */
export function scriptMixes(
  phaseNames: readonly string[],
  phaseMixes: readonly (readonly RequestKindInput[])[],
  template: RequestTemplate,
  defaultIssuer: string,
  sending: ReadonlySet<string>,
): Record<string, ScriptKind[]> {
  const out: Record<string, ScriptKind[]> = {};
  phaseNames.forEach((name, i) => {
    if (!sending.has(name)) return;
    const mix = phaseMixes[i] ?? [];
    out[name] = mix.map((k) => {
      const token = k.token ?? 'pool';
      const headers = k.headers ?? 'ok';
      const tokenCase: RequestCase =
        token === 'none' ? 'no-token' : token === 'pool' || token === 'pool-reused' ? 'fresh' : token;
      const expected = expectationFor({
        token: tokenCase,
        headers,
        ...(k.expect === undefined ? {} : { declared: k.expect }),
        ...(template.expect === undefined ? {} : { success: template.expect }),
      });
      return {
        kind: k.kind,
        share: k.share,
        issuer: k.issuer ?? defaultIssuer,
        token,
        headers,
        case: requestCase(tokenCase, headers),
        // keystorm's "any 2xx or 3xx" (no expectation) is written as 200: a script lists statuses.
        expect: [...(expected ?? [200])],
      };
    });
  });
  return out;
}

/** Issuers whose token endpoint the simulated clients use. */
export function pooledIssuers(mixes: Readonly<Record<string, readonly ScriptKind[]>>): string[] {
  const issuers = new Set<string>();
  for (const kinds of Object.values(mixes))
    for (const k of kinds) if (k.token === 'pool' || k.token === 'pool-reused') issuers.add(k.issuer);
  return [...issuers].sort();
}
