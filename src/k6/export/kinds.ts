/**
 * The request mix of each phase as plain data for the script: weight, issuer, where the token
 * comes from, which claim headers are sent wrong, and the statuses keystorm expects — decided
 * here with keystorm's own rules (`defaultExpect`), so k6 and keystorm agree on what a failure is.
 */
import type { RequestTemplate } from '../../load/request-template.ts';
import type { RequestKindInput } from '../../scenario/define.ts';
import { defaultExpect } from '../../scenario/request-mix.ts';

/** One request kind as the script sends it. */
export interface ScriptKind {
  kind: string;
  share: number;
  issuer: string;
  /** `pool`, `pool-reused`, `none`, or a token shape minted by mock-idp. */
  token: string;
  headers: 'ok' | 'omit' | 'mismatch';
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
    out[name] = mix.map((k) => ({
      kind: k.kind,
      share: k.share,
      issuer: k.issuer ?? defaultIssuer,
      token: k.token ?? 'pool',
      headers: k.headers ?? 'ok',
      expect: [...(k.expect ?? defaultExpect(k, template))],
    }));
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
