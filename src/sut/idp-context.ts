/**
 * The template values a SUT's command, env and URLs can use, built in one place so that the
 * config check (which placeholders exist) and the run (their values) can never disagree.
 */
import type { TemplateContext } from './template.ts';

/** One issuer as the SUT reaches it (through its proxy). */
export interface IssuerEndpoint {
  name: string;
  /** `http://127.0.0.1:PROXYPORT/gitlab` */
  base: string;
  /** The `iss` of its tokens. */
  issuer: string;
  /** JWKS path under the issuer (`oauth/discovery/keys`). */
  jwksPath: string;
}

/** Inserts mock-idp's per-client prefix: `http://h:p/gitlab` → `http://h:p/_c/<client>/gitlab`. */
export function prefixBase(base: string, clientId: string): string {
  const url = new URL(base);
  return `${url.origin}/_c/${encodeURIComponent(clientId)}${url.pathname}`.replace(/\/$/, '');
}

/**
 * `idp.<issuer>.{base,issuer,discovery,jwks,token}` (discovery and jwks under the replica's own
 * client prefix, so mock-idp counts each replica apart), `idp.providers` / `idp.issuers` /
 * `idp.jwksUrls` as `name=url,…` lists, `idp.audience` (the `aud` mock-idp's tokens carry),
 * `idp.admin`, `idp.ca` (TLS), `proxy.url`.
 */
export function idpTemplateContext(options: {
  issuers: readonly IssuerEndpoint[];
  replicaId: string;
  adminUrl: string;
  proxyUrl: string | undefined;
  caPath: string | undefined;
  /** The `aud` of the tokens mock-idp mints (config `idp.audience`), when the run sets one. */
  audience?: string | undefined;
  /** The run's time scale, for `{{scaled 10s}}`. */
  timeScale: number;
}): TemplateContext {
  const perIssuer: Record<string, TemplateContext> = {};
  for (const issuer of options.issuers) {
    const prefixed = prefixBase(issuer.base, options.replicaId);
    perIssuer[issuer.name] = {
      base: issuer.base,
      issuer: issuer.issuer,
      discovery: `${prefixed}/.well-known/openid-configuration`,
      jwks: `${prefixed}/${issuer.jwksPath}`,
      token: `${issuer.base}/token`,
    };
  }
  const list = (pick: (i: IssuerEndpoint) => string): string =>
    options.issuers.map((i) => `${i.name}=${pick(i)}`).join(',');
  return {
    idp: {
      ...perIssuer,
      providers: list((i) => i.base),
      issuers: list((i) => i.issuer),
      jwksUrls: list((i) => `${prefixBase(i.base, options.replicaId)}/${i.jwksPath}`),
      admin: options.adminUrl,
      ...(options.audience === undefined ? {} : { audience: options.audience }),
      ...(options.caPath === undefined ? {} : { ca: options.caPath }),
    },
    ...(options.proxyUrl === undefined ? {} : { proxy: { url: options.proxyUrl } }),
    timeScale: options.timeScale,
  };
}
