/** Small HTTP helpers for the mock-idp tests (real requests on loopback, nothing mocked). */
import type { MockIdp } from '../../mock-idp/index.ts';

export interface JsonReply {
  status: number;
  headers: Headers;
  body: unknown;
}

async function reply(response: Response): Promise<JsonReply> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body };
}

/** POSTs an x-www-form-urlencoded body, e.g. to a token endpoint. */
export async function postForm(
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<JsonReply> {
  return reply(
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
      redirect: 'manual',
    }),
  );
}

/** Sends a raw request to the admin plane (for bad-input tests the typed client would refuse to build). */
export async function adminRaw(
  idp: MockIdp,
  method: string,
  path: string,
  body?: string,
  token: string | null = idp.adminToken,
): Promise<JsonReply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = body;
  return reply(await fetch(`${idp.adminUrl}${path}`, init));
}

export async function getJson(url: string, headers: Record<string, string> = {}): Promise<JsonReply> {
  return reply(await fetch(url, { headers, redirect: 'manual' }));
}

/** Kids in the JWKS served right now. */
export async function servedKids(jwksUrl: string): Promise<(string | undefined)[]> {
  const { body } = await getJson(jwksUrl);
  return (body as { keys: { kid?: string }[] }).keys.map((k) => k.kid);
}

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** Waits until `check` returns true, polling every 20 ms, for at most `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    if (await check()) return performance.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
