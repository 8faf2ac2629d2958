/**
 * CORS for the token endpoint: a browser app (a public client using PKCE, like the example
 * gateway's demo page) exchanges its code and refreshes its tokens with `fetch` from its own
 * origin. Token requests are form posts without credentials, so they need no preflight; the
 * answer only has to name the caller's origin. Requests without an Origin are left as they are.
 */
import type { PreparedResponse } from '../contracts.ts';

/** Adds `access-control-allow-origin` for the request's origin (a new headers object: bodies are shared). */
export function allowBrowserOrigin(response: PreparedResponse, origin: string | undefined): PreparedResponse {
  if (origin === undefined || origin === '' || origin === 'null') return response;
  return {
    ...response,
    headers: { ...response.headers, 'access-control-allow-origin': origin, vary: 'Origin' },
  };
}
