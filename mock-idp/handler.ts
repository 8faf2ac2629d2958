/**
 * The data-plane request handler: RequestContext + query + body → PreparedResponse. Pure in
 * the sense that matters: it never touches the socket, so faults can delay, mangle or replace
 * what it produces, and it can be tested without a port. JWKS and discovery return shared,
 * pre-built responses synchronously (the hot path); the other endpoints are async.
 */
import type { PreparedResponse, RequestContext } from './contracts.ts';
import { authorizeEndpoint } from './oauth/authorize.ts';
import { allowBrowserOrigin } from './oauth/cors.ts';
import { jsonResponse, methodNotAllowed, OAuthError, oauthErrorResponse } from './oauth/responses.ts';
import { tokenEndpoint } from './oauth/token-endpoint.ts';
import { userinfoEndpoint } from './oauth/userinfo.ts';
import type { DataRoute } from './provider.ts';
import { MintError } from './tokens/mint.ts';

export interface DataRequest {
  ctx: RequestContext;
  route: DataRoute;
  /** Raw query string without `?`. */
  query: string;
  /** Request body (empty for GET/HEAD). */
  body: Buffer;
  /** The If-None-Match request header (read from rawHeaders by the server: the JWKS hot path). */
  ifNoneMatch: string | undefined;
  /** Client id from a `/_c/{id}` prefix, when the request had one (discovery then advertises prefixed URLs). */
  prefixClient: string | undefined;
}

function asError(error: unknown): PreparedResponse {
  if (error instanceof OAuthError) return oauthErrorResponse(error);
  if (error instanceof MintError) {
    return oauthErrorResponse(new OAuthError(503, 'server_error', error.message, { 'retry-after': '1' }));
  }
  return jsonResponse(500, {
    error: 'server_error',
    error_description: error instanceof Error ? error.message : String(error),
  });
}

function header(ctx: RequestContext, name: string): string | undefined {
  const value = ctx.headers[name];
  return typeof value === 'string' ? value : undefined;
}

export function handleData(request: DataRequest): PreparedResponse | Promise<PreparedResponse> {
  const { ctx, route } = request;
  const issuer = route.issuer;
  const method = ctx.method;
  try {
    switch (route.endpoint) {
      case 'jwks':
        if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed('GET, HEAD');
        return issuer.jwks(request.ifNoneMatch);
      case 'discovery':
        if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed('GET, HEAD');
        return issuer.discoveryFor(request.prefixClient);
      case 'token':
        if (method !== 'POST') return methodNotAllowed('POST');
        return tokenEndpoint(issuer, request.body, header(ctx, 'content-type'), header(ctx, 'authorization'))
          .catch(asError)
          .then((response) => allowBrowserOrigin(response, header(ctx, 'origin')));
      case 'authorize':
        if (method !== 'GET' && method !== 'POST') return methodNotAllowed('GET, POST');
        return authorizeEndpoint(issuer, method, request.query, request.body);
      case 'userinfo':
        if (method !== 'GET' && method !== 'POST') return methodNotAllowed('GET, POST');
        return userinfoEndpoint(issuer, method, header(ctx, 'authorization'), request.body);
    }
  } catch (error) {
    return asError(error);
  }
}
