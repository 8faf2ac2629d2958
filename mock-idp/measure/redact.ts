/**
 * Redaction for the request journal: credentials never leave the provider through the admin
 * API, even though the journal exists to show what the SUT sent.
 */
import type { IncomingHttpHeaders } from 'node:http';

export const REDACTED = '[redacted]';

const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'dpop',
  'x-api-key',
]);

/** Parameters that carry credentials in a query string or a form body. */
export const SECRET_PARAMS = new Set([
  'client_secret',
  'code',
  'code_verifier',
  'refresh_token',
  'assertion',
  'client_assertion',
  'subject_token',
  'actor_token',
  'access_token',
  'id_token',
  'token',
  'password',
]);

export function redactHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = SECRET_HEADERS.has(name) || /token|secret|session/.test(name) ? REDACTED : value;
  }
  return out;
}

/** Replaces the values of secret query parameters, keeping the path readable. */
export function redactPath(path: string): string {
  const q = path.indexOf('?');
  if (q === -1) return path;
  const params = new URLSearchParams(path.slice(q + 1));
  let changed = false;
  for (const name of [...params.keys()]) {
    if (SECRET_PARAMS.has(name)) {
      params.set(name, REDACTED);
      changed = true;
    }
  }
  return changed ? `${path.slice(0, q)}?${params.toString()}` : path;
}
