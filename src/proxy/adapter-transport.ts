/**
 * The HTTP transport under toxiproxy-node-client. The client's own transport calls the global
 * `fetch` with no deadline and turns every failure into `Request failed with status code N`,
 * dropping the server's `{"error": …}` message. This one keeps the client's shape (get / post /
 * delete / getText resolving `{ data }`) and adds what a harness needs: a deadline on every
 * call that really aborts the request, and errors that name the method, URL, status and the
 * server's own message.
 */
import { HarnessError } from '../errors.ts';

/** A failed call to the Toxiproxy HTTP API. `status` is absent when no response arrived. */
export class ProxyApiError extends HarnessError {
  readonly method: string;
  readonly url: string;
  readonly status: number | undefined;
  readonly timedOut: boolean;
  constructor(
    init: { method: string; url: string; status?: number; timedOut?: boolean; detail: string },
    cause?: unknown,
  ) {
    const where = `${init.method} ${init.url}`;
    const message =
      init.status === undefined ? `${where}: ${init.detail}` : `${where} → ${init.status}: ${init.detail}`;
    super('ERR_PROXY_API', message, cause === undefined ? undefined : { cause });
    this.name = 'ProxyApiError';
    this.method = init.method;
    this.url = init.url;
    this.status = init.status;
    this.timedOut = init.timedOut ?? false;
  }
}

/** True when `error` is a ProxyApiError carrying HTTP status `status`. */
export function isProxyApiStatus(error: unknown, status: number): boolean {
  return error instanceof ProxyApiError && error.status === status;
}

/** Shape of toxiproxy-node-client's internal HttpClient (its public methods). */
export interface ClientTransport {
  get<T>(url: string): Promise<{ data: T }>;
  post<T>(url: string, body?: unknown): Promise<{ data: T }>;
  delete(url: string): Promise<void>;
  getText(url: string): Promise<string>;
}

/** A transport whose every request is bounded by `timeoutMs`. */
export class TimedTransport implements ClientTransport {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new TypeError(`timeoutMs: ${String(timeoutMs)} must be a positive number of milliseconds`);
    }
    this.timeoutMs = timeoutMs;
  }

  get<T>(url: string): Promise<{ data: T }> {
    return this.json<T>('GET', url);
  }

  post<T>(url: string, body?: unknown): Promise<{ data: T }> {
    return this.json<T>('POST', url, body);
  }

  async delete(url: string): Promise<void> {
    await this.text('DELETE', url);
  }

  getText(url: string): Promise<string> {
    return this.text('GET', url);
  }

  /** Any documented method (the client itself never sends PATCH; we may). */
  async json<T>(method: string, url: string, body?: unknown): Promise<{ data: T }> {
    const text = await this.text(method, url, body);
    if (text.length === 0) return { data: undefined as T };
    try {
      return { data: JSON.parse(text) as T };
    } catch (error) {
      throw new ProxyApiError({ method, url, detail: `response is not JSON: ${text.slice(0, 120)}` }, error);
    }
  }

  /** Sends one request and returns the body text of a 2xx answer; throws ProxyApiError otherwise. */
  async text(method: string, url: string, body?: unknown): Promise<string> {
    // AbortSignal.timeout covers the body read too, so a server that stalls mid-body is bounded.
    const signal = AbortSignal.timeout(this.timeoutMs);
    const headers: Record<string, string> = { 'user-agent': 'keystorm' };
    const init: RequestInit = { method, headers, signal };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    try {
      const res = await fetch(url, init);
      const text = await res.text();
      if (!res.ok) {
        throw new ProxyApiError({
          method,
          url,
          status: res.status,
          detail: serverMessage(text, res.statusText),
        });
      }
      return text;
    } catch (error) {
      if (error instanceof ProxyApiError) throw error;
      if (signal.aborted) {
        throw new ProxyApiError(
          { method, url, timedOut: true, detail: `no answer within ${this.timeoutMs}ms` },
          error,
        );
      }
      throw new ProxyApiError({ method, url, detail: describeNetworkError(error) }, error);
    }
  }
}

function serverMessage(text: string, fallback: string): string {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'error' in parsed &&
      typeof parsed.error === 'string'
    ) {
      return parsed.error;
    }
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return text.trim().slice(0, 200) || fallback;
}

function describeNetworkError(error: unknown): string {
  // undici hides the socket error (ECONNREFUSED…) in `cause`.
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) return `${cause.message}`;
  return error instanceof Error ? error.message : String(error);
}
