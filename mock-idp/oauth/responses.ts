/**
 * Response builders shared by the data-plane endpoints: JSON bodies, OAuth error objects
 * (RFC 6749 §5.2) and redirects. Everything returns a PreparedResponse; nothing writes.
 */
import type { PreparedResponse } from '../contracts.ts';

export const JSON_TYPE = 'application/json; charset=utf-8';

export function jsonResponse(
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): PreparedResponse {
  const body = Buffer.from(JSON.stringify(value));
  return {
    status,
    headers: { 'content-type': JSON_TYPE, 'content-length': String(body.length), ...headers },
    body,
  };
}

/** OAuth error codes mock-idp answers with. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'invalid_token'
  | 'server_error';

/** Thrown inside endpoint code, turned into the OAuth error JSON by the handler. */
export class OAuthError extends Error {
  readonly status: number;
  readonly error: OAuthErrorCode;
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    error: OAuthErrorCode,
    description: string,
    headers: Record<string, string> = {},
  ) {
    super(description);
    this.name = 'OAuthError';
    this.status = status;
    this.error = error;
    this.headers = headers;
  }
}

export function oauthErrorResponse(error: OAuthError): PreparedResponse {
  return jsonResponse(
    error.status,
    { error: error.error, error_description: error.message },
    { 'cache-control': 'no-store', ...error.headers },
  );
}

export function notFound(message: string): PreparedResponse {
  return jsonResponse(404, { error: 'not_found', message });
}

export function methodNotAllowed(allowed: string): PreparedResponse {
  return jsonResponse(405, { error: 'method_not_allowed', message: `use ${allowed}` }, { allow: allowed });
}

export function redirect(location: string): PreparedResponse {
  return {
    status: 302,
    headers: { location, 'content-length': '0', 'cache-control': 'no-store' },
    body: Buffer.alloc(0),
  };
}

export function htmlResponse(status: number, html: string): PreparedResponse {
  const body = Buffer.from(html);
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-length': String(body.length),
      'cache-control': 'no-store',
    },
    body,
  };
}

/** Parses an application/x-www-form-urlencoded body or query; rejects repeated parameters (RFC 6749 §3.1). */
export function parseForm(text: string): Map<string, string> {
  const params = new URLSearchParams(text);
  const result = new Map<string, string>();
  for (const [key, value] of params) {
    if (result.has(key)) throw new OAuthError(400, 'invalid_request', `${key}: parameter repeated`);
    result.set(key, value);
  }
  return result;
}
