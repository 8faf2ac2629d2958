/**
 * Public types of the load engine: what a request source returns, and the context it is given.
 * Phase definitions live in `phases.ts`, result shapes in `stats.ts`.
 */

/** One request to send, as produced by a {@link RequestSource}. */
export interface RequestSpec {
  /** HTTP method; GET when omitted. */
  method?: string;
  /**
   * Path (with query) relative to the engine's target, e.g. `/api/orders?id=1`, or an absolute
   * `http(s)://` URL. Absolute URLs must pass the loopback guard like the target.
   */
  path?: string;
  /** Absolute URL; an alternative to `path`. */
  url?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /**
   * Request kind (a scenario's mix entry name: `valid`, `expired`, `no-token` …). Every kind gets
   * its own histograms and counts in the result. Defaults to `default`.
   */
  kind?: string;
  /**
   * More tags the request is recorded with, passed through to `onRequest` (a scenario records the
   * state of the pooled token it carries: `fresh`, `expiring`, `refreshed`, `stale`).
   */
  tags?: readonly string[];
  /**
   * Statuses that count as the expected outcome. When omitted, any 2xx or 3xx is expected
   * (k6's `http_req_failed` rule). A request expecting only 401/403 that gets a 2xx is
   * counted as a security failure on top of being unexpected.
   */
  expect?: readonly number[];
}

/** What the engine tells a request source about the request it is about to make. */
export interface RequestContext {
  /** Sequence number of the request in the whole run (0-based). */
  seq: number;
  /** Name of the phase the request belongs to. */
  phase: string;
  /** Index of that phase on the timeline. */
  phaseIndex: number;
  /** Virtual-user number for closed-model phases; -1 for open-model and burst phases. */
  vu: number;
  /** Intended start time in milliseconds since the run started. */
  intendedMs: number;
}

/**
 * Supplies the requests. Called once per start, at (or just before) its intended time, so it
 * should be cheap; a Promise is allowed (e.g. a token that is being refreshed) and its wait
 * shows up as start lag and in the corrected latency, which is honest: the client was late.
 */
export type RequestSource = (ctx: RequestContext) => RequestSpec | Promise<RequestSpec>;

/** How a request that produced no HTTP status ended. */
export type ErrorClass = 'timeout' | 'reset' | 'refused' | 'aborted' | 'other';
