/**
 * OIDC discovery of the real IdP: the one place the token endpoint comes from. The document's
 * `issuer` must be the configured one (OpenID Connect Discovery §4.3), so a canary pointed at
 * the wrong tenant fails at start instead of minting tokens the gateway will never accept.
 */
import { HarnessError } from '../errors.ts';

export interface DiscoveredIssuer {
  issuer: string;
  tokenEndpoint: string;
  jwksUri: string | undefined;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Fetches `<issuer>/.well-known/openid-configuration`; throws HarnessError (exit 3) naming the URL. */
export async function discoverIssuer(issuer: string, timeoutMs: number): Promise<DiscoveredIssuer> {
  const url = `${trimSlash(issuer)}/.well-known/openid-configuration`;
  let body: unknown;
  try {
    const response = await fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
    body = JSON.parse(text) as unknown;
  } catch (error) {
    throw new HarnessError('ERR_INTERNAL', `OIDC discovery failed: GET ${url}: ${(error as Error).message}`, {
      cause: error,
      exitCode: 3,
    });
  }
  const doc = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const problem = (what: string): HarnessError =>
    new HarnessError('ERR_INTERNAL', `OIDC discovery at ${url}: ${what}`, { exitCode: 3 });
  if (typeof doc.issuer !== 'string' || trimSlash(doc.issuer) !== trimSlash(issuer)) {
    throw problem(`the document names issuer ${JSON.stringify(doc.issuer)}, not ${JSON.stringify(issuer)}`);
  }
  const tokenEndpoint = doc.token_endpoint;
  if (
    typeof tokenEndpoint !== 'string' ||
    !/^https?:\/\//.test(tokenEndpoint) ||
    !URL.canParse(tokenEndpoint)
  ) {
    throw problem('no http(s) token_endpoint');
  }
  return {
    issuer: doc.issuer,
    tokenEndpoint,
    jwksUri: typeof doc.jwks_uri === 'string' ? doc.jwks_uri : undefined,
  };
}
