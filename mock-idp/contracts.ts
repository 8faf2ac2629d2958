/**
 * The seams inside mock-idp. The request path is layered, so the handler can be tested without
 * a socket and the server only owns listen/close:
 *
 *   server (listen/close, TLS)  →  RequestContext  →  Measurements.begin
 *     →  FaultPlan.deliver(ctx, res, produce)  — may delay, fail, hang, reset, mangle …
 *          produce = () => handler(ctx, body)  — pure: computes a PreparedResponse, no socket
 *     →  Measurements.end(ctx, outcome)
 *
 * The admin plane is a list of AdminRoutes mounted by one router; each area (issuers/keys/
 * tokens, faults, measurements) contributes its own routes and its own typed client part.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Signing algorithms mock-idp can issue with. */
export const SIGNING_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

/** Data-plane endpoints, per issuer. */
export const ENDPOINTS = ['discovery', 'jwks', 'token', 'authorize', 'userinfo'] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

/**
 * Prefix that gives a SUT replica its own identity at the provider. On loopback every replica
 * has the same address, so `http://127.0.0.1:PORT/_c/replica-1/gitlab/jwks` is counted as
 * client `replica-1`. Discovery served under a prefix advertises prefixed URLs, so a SUT that
 * discovers keeps its identity. A request header `x-keystorm-client` works too.
 */
export const CLIENT_PREFIX = '_c';
export const CLIENT_HEADER = 'x-keystorm-client';
/** Client id used when a request carries neither a prefix nor the header. */
export const ANONYMOUS_CLIENT = 'anonymous';

/** What the data plane knows about one request before answering it. */
export interface RequestContext {
  /** Monotonic request number since start. */
  readonly id: number;
  /** Issuer name (the path segment), e.g. `gitlab`. */
  readonly issuer: string;
  readonly endpoint: Endpoint;
  /** SUT identity: URL prefix, else header, else ANONYMOUS_CLIENT. */
  readonly clientId: string;
  readonly method: string;
  /** Path without the client prefix, e.g. `/gitlab/jwks`. */
  readonly path: string;
  readonly remoteAddress: string;
  readonly socket: Socket;
  /** performance.now() when the request arrived. */
  readonly startedAt: number;
  /** Request headers (lower-case keys), for fault scoping by header and for the journal. */
  readonly headers: IncomingMessage['headers'];
}

/** A response computed by a handler and not yet written: faults may alter it. */
export interface PreparedResponse {
  status: number;
  headers: Record<string, string>;
  /** Pre-serialized bytes (JWKS and discovery bodies are shared buffers: never mutate). */
  body: Buffer;
}

/** How a request ended, as measured and journaled. */
export interface DeliveryOutcome {
  /** HTTP status written, or what happened instead. */
  status: number | 'reset' | 'hang' | 'truncated' | 'aborted';
  /** Names of the faults that acted on this request (empty when none). */
  faults: string[];
}

/** HTTP-level fault plan (mock-idp/faults/). */
export interface FaultDelivery {
  /**
   * Writes the response for ctx to res, applying whichever active faults match.
   * `produce` computes the normal response; it is only called when a fault needs the real body
   * or when no fault replaces the response altogether. Must never throw.
   */
  deliver(
    ctx: RequestContext,
    res: ServerResponse,
    produce: () => Promise<PreparedResponse>,
  ): Promise<DeliveryOutcome>;
  /** True when no fault is active: the server may skip straight to writing the response. */
  readonly idle: boolean;
}

/** Measurement hooks (mock-idp/measure/). Called on the hot path: keep them O(1). */
export interface MeasurementHooks {
  /** A connection opened (for open-socket counts per client once its first request names it). */
  onConnection(socket: Socket): void;
  begin(ctx: RequestContext): void;
  end(ctx: RequestContext, outcome: DeliveryOutcome): void;
  /** A token left the token endpoint or the admin minting API. */
  onTokenIssued(event: {
    issuer: string;
    grant: string;
    alg: string;
    kid: string | undefined;
    shape: string;
  }): void;
  /**
   * A token whose kid is not in the served JWKS was handed out (unknown kid, rogue key, kid of a
   * revoked key …): the next JWKS fetch from any client counts as "after unknown kid".
   */
  onUnknownKidIssued(event: { issuer: string; kid: string }): void;
  /** A key-lifecycle or admin change, for the event stream. */
  onEvent(event: { type: string; issuer?: string; detail?: Record<string, unknown> }): void;
}

/** Result of an admin route: always JSON. */
export interface AdminResult {
  status: number;
  body?: unknown;
}

/** One admin route. Patterns use `:name` segments, e.g. `/issuers/:issuer/keys/:kid/revoke`. */
export interface AdminRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  pattern: string;
  /**
   * Handles a request. `body` is the parsed JSON (undefined when there was none); throw an
   * AdminInputError for invalid input — the router turns it into a 400 naming the field.
   */
  handle(input: {
    params: Record<string, string>;
    query: URLSearchParams;
    body: unknown;
  }): AdminResult | Promise<AdminResult>;
}

/** Invalid admin input: becomes `400 {"error":"invalid_request","problems":[{path,message}]}`. */
export class AdminInputError extends Error {
  readonly status: number;
  readonly problems: { path: string; message: string }[];
  constructor(problems: { path: string; message: string }[], status = 400) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
    this.name = 'AdminInputError';
    this.problems = problems;
    this.status = status;
  }
}

/** Not found (unknown issuer, kid, fault id …): becomes `404 {"error":"not_found","message":…}`. */
export class AdminNotFoundError extends Error {
  readonly status = 404;
  constructor(message: string) {
    super(message);
    this.name = 'AdminNotFoundError';
  }
}

/**
 * Transport for the typed admin client: every client part (issuers/keys/tokens, faults,
 * measurements) sends through this, so auth, timeouts and error mapping live in one place.
 */
export type AdminRequest = <T>(method: AdminRoute['method'], path: string, body?: unknown) => Promise<T>;

/** The `aud` of mock-idp's built-in issuers (`gitlab`, `customersdot`), shaped after GitLab's AI gateway. */
export const BUILT_IN_AUDIENCE = 'gitlab-ai-gateway';
/** The names of mock-idp's built-in issuers. */
export const BUILT_IN_ISSUER_NAMES: readonly string[] = ['gitlab', 'customersdot'];
/** The `aud` of any other issuer that names none. */
export const GENERIC_AUDIENCE = 'keystorm';
