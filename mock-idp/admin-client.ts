/**
 * Typed client for the mock-idp admin API: the only way the harness drives the provider.
 * Every part (core, faults, stats) sends through one AdminRequest transport, so bearer auth,
 * the timeout and error mapping live here once.
 */
import type { AdminRequest, SigningAlg } from './contracts.ts';
import { faultClient, type FaultClient } from './faults/client.ts';
import { measurementClient, type MeasurementClient } from './measure/client.ts';
import type { CachePolicy, EtagMode, IssuerInfo, IssuerOptions } from './issuer.ts';
import type { KeyInfo, KeyState } from './keys/key-store.ts';
import type { KeyPoolStatus } from './keys/key-pool.ts';
import type { MisrotationKind, MisrotationResult } from './keys/misrotations.ts';
import type { RotationOptions, RotationPlan } from './keys/rotation.ts';
import type { ClientAuthMethod, Grant, RegisteredClient } from './oauth/clients.ts';
import type { MintRequest, MintResult } from './tokens/mint.ts';
import { HarnessError } from '../src/errors.ts';

/** A non-2xx answer from the admin API (or no answer at all: status 0). */
export class AdminApiError extends HarnessError {
  readonly status: number;
  /** `problems` of a 400: each bad field by dotted path. */
  readonly problems: { path: string; message: string }[];
  readonly body: unknown;
  constructor(method: string, url: string, status: number, body: unknown, cause?: unknown) {
    const b = (typeof body === 'object' && body !== null ? body : {}) as {
      message?: unknown;
      problems?: unknown;
      error?: unknown;
    };
    const problems = Array.isArray(b.problems) ? (b.problems as { path: string; message: string }[]) : [];
    const detail =
      problems.length > 0
        ? problems.map((p) => `${p.path}: ${p.message}`).join('; ')
        : typeof b.message === 'string'
          ? b.message
          : typeof b.error === 'string'
            ? b.error
            : status === 0
              ? String(cause)
              : `HTTP ${status}`;
    super(
      status === 0 ? 'ERR_ADMIN_API' : 'ERR_ADMIN_API',
      `${method} ${url} → ${status === 0 ? 'no response' : status}: ${detail}`,
      {
        cause,
      },
    );
    this.name = 'AdminApiError';
    this.status = status;
    this.problems = problems;
    this.body = body;
  }
}

export interface AdminTransportOptions {
  /** e.g. `http://127.0.0.1:4001` (no trailing slash needed). */
  baseUrl: string;
  token: string;
  /** Per-request deadline. Default 10 000 ms. */
  timeoutMs?: number;
}

/** The transport every client part uses: JSON in/out, bearer auth, a deadline, typed errors. */
export function createAdminRequest(options: AdminTransportOptions): AdminRequest {
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const url = `${base}${path}`;
    const headers: Record<string, string> = {
      authorization: `Bearer ${options.token}`,
      accept: 'application/json',
    };
    const init: RequestInit = { method, headers, signal: AbortSignal.timeout(timeoutMs) };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, init);
      text = await response.text();
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') {
        throw new HarnessError('ERR_TIMEOUT', `${method} ${url}: no answer within ${timeoutMs}ms`, {
          cause: error,
        });
      }
      throw new AdminApiError(method, url, 0, undefined, error);
    }
    let parsed: unknown;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (!response.ok) throw new AdminApiError(method, url, response.status, parsed);
    return parsed as T;
  };
}

export interface KeyAddOptions {
  alg?: SigningAlg;
  kid?: string;
  /** Default `next` (published, not signing). */
  state?: KeyState;
}

export interface ClientRegistration {
  clientId: string;
  secret?: string;
  authMethod?: ClientAuthMethod;
  /** Default: every grant. */
  grants?: Grant[];
  scopes?: string[];
  expiresIn?: number;
  redirectUris?: string[];
}

export type IssuerPatch = Partial<Omit<IssuerOptions, 'name' | 'algs'>>;

export interface CoreAdminClient {
  issuers: {
    list(): Promise<IssuerInfo[]>;
    get(name: string): Promise<IssuerInfo>;
    update(name: string, patch: IssuerPatch): Promise<IssuerInfo>;
  };
  keys: {
    list(issuer: string): Promise<KeyInfo[]>;
    add(issuer: string, options?: KeyAddOptions): Promise<KeyInfo>;
    activate(issuer: string, kid: string): Promise<KeyInfo>;
    retire(issuer: string, kid: string): Promise<KeyInfo>;
    revoke(issuer: string, kid: string): Promise<KeyInfo>;
    /** Graceful, scheduled rotation (durations in ms). */
    rotate(issuer: string, options?: RotationOptions): Promise<RotationPlan>;
    /** One deliberately wrong rotation (options per kind: see docs/mock-idp.md). */
    misrotate(
      issuer: string,
      kind: MisrotationKind,
      options?: Record<string, unknown>,
    ): Promise<MisrotationResult>;
    /** Clears a served-set misrotation (empty, oversized, decoys, missing-kid, flapping). */
    heal(issuer: string): Promise<void>;
    /** The keys generated ahead for this issuer and how many were handed out ready. */
    pool(issuer: string): Promise<KeyPoolStatus>;
  };
  tokens: {
    mint(issuer: string, request?: Omit<MintRequest, 'grant'>): Promise<MintResult>;
  };
  clients: {
    register(
      issuer: string,
      client: ClientRegistration,
    ): Promise<Omit<RegisteredClient, 'secret'> & { hasSecret: boolean }>;
    list(issuer: string): Promise<(Omit<RegisteredClient, 'secret'> & { hasSecret: boolean })[]>;
    remove(issuer: string, clientId: string): Promise<void>;
  };
  clock: {
    /** Skews the issuer's iat/nbf/exp by offsetMs. */
    set(issuer: string, offsetMs: number): Promise<{ offsetMs: number; now: number }>;
  };
  cache: {
    set(issuer: string, policy: { cacheControl?: string; etag?: EtagMode }): Promise<CachePolicy>;
  };
  /** Everything back to start-up state: keys, clients, clocks, faults, measurements. */
  reset(): Promise<void>;
  health(): Promise<{ ok: boolean }>;
}

export interface AdminClient extends CoreAdminClient {
  /** HTTP-level faults (mock-idp/faults). */
  faults: FaultClient;
  /** Measurements: stats since marks, journal, events (mock-idp/measure). */
  stats: MeasurementClient;
}

const seg = encodeURIComponent;

export function coreAdminClient(request: AdminRequest): CoreAdminClient {
  const issuerPath = (issuer: string): string => `/issuers/${seg(issuer)}`;
  const keyVerb = (verb: string) => (issuer: string, kid: string) =>
    request<KeyInfo>('POST', `${issuerPath(issuer)}/keys/${seg(kid)}/${verb}`);
  return {
    issuers: {
      list: () => request<IssuerInfo[]>('GET', '/issuers'),
      get: (name) => request<IssuerInfo>('GET', issuerPath(name)),
      update: (name, patch) => request<IssuerInfo>('PATCH', issuerPath(name), patch),
    },
    keys: {
      list: (issuer) => request<KeyInfo[]>('GET', `${issuerPath(issuer)}/keys`),
      add: (issuer, options = {}) => request<KeyInfo>('POST', `${issuerPath(issuer)}/keys`, options),
      activate: keyVerb('activate'),
      retire: keyVerb('retire'),
      revoke: keyVerb('revoke'),
      pool: (issuer) => request<KeyPoolStatus>('GET', `${issuerPath(issuer)}/key-pool`),
      rotate: (issuer, options = {}) =>
        request<RotationPlan>('POST', `${issuerPath(issuer)}/rotations`, options),
      misrotate: (issuer, kind, options) =>
        request<MisrotationResult>(
          'POST',
          `${issuerPath(issuer)}/misrotations`,
          options === undefined ? { kind } : { kind, options },
        ),
      heal: async (issuer) => {
        await request<unknown>('DELETE', `${issuerPath(issuer)}/misrotations`);
      },
    },
    tokens: {
      mint: (issuer, mint = {}) => request<MintResult>('POST', `${issuerPath(issuer)}/tokens`, mint),
    },
    clients: {
      register: (issuer, client) => request('POST', `${issuerPath(issuer)}/clients`, client),
      list: (issuer) => request('GET', `${issuerPath(issuer)}/clients`),
      remove: async (issuer, clientId) => {
        await request<unknown>('DELETE', `${issuerPath(issuer)}/clients/${seg(clientId)}`);
      },
    },
    clock: {
      set: (issuer, offsetMs) => request('PUT', `${issuerPath(issuer)}/clock`, { offsetMs }),
    },
    cache: {
      set: (issuer, policy) => request<CachePolicy>('PUT', `${issuerPath(issuer)}/cache`, policy),
    },
    reset: async () => {
      await request<unknown>('POST', '/reset');
    },
    health: () => request<{ ok: boolean }>('GET', '/health'),
  };
}

/** The full admin client: core plus the fault and measurement parts. */
export function createAdminClient(options: AdminTransportOptions): AdminClient {
  const request = createAdminRequest(options);
  return { ...coreAdminClient(request), faults: faultClient(request), stats: measurementClient(request) };
}
