/**
 * k6 points → keystorm's request samples. One `http_req_duration` point stands for one finished
 * request: its tags carry everything keystorm judges by (`kind`, `token`, `phase`, `status`,
 * `expected_response`, `error_code`), so no join across metrics is needed and ingestion keeps
 * no state per request. `dropped_iterations` points are starts k6 could not make (keystorm's
 * dropped starts). Every other metric is only counted.
 */
import type { RequestSample } from '../../load/engine.ts';
import { EXPECTED, type RequestCase } from '../../load/outcome.ts';
import type { ErrorClass } from '../../load/types.ts';
import type { K6PointLine } from './k6-line.ts';

/** The metric whose points are requests. */
export const REQUEST_METRIC = 'http_req_duration';
export const DROPPED_METRIC = 'dropped_iterations';

/** A request as k6 saw it, in epoch ms (aligned to scenario time later). */
export interface K6Request {
  /** When the response ended (k6 stamps an HTTP sample with the request's end). */
  endMs: number;
  durationMs: number;
  kind: string;
  phase: string | undefined;
  status: number;
  expect: readonly number[] | undefined;
  error: ErrorClass | undefined;
}

/**
 * Stands for "no status is expected": k6 said `expected_response:false`, so whatever came is an
 * unexpected outcome (status 0 is never a real status).
 */
const NOTHING_EXPECTED: readonly number[] = Object.freeze([0]);

/** The request a `http_req_duration` point describes. */
export function requestOf(point: K6PointLine): K6Request {
  const kind = point.tags.kind ?? 'default';
  const status = Number.parseInt(point.tags.status ?? '0', 10);
  const ok = Number.isFinite(status) && status > 0 ? status : 0;
  return {
    endMs: point.timeMs,
    durationMs: Math.max(0, point.value),
    kind,
    phase: point.tags.phase,
    status: ok,
    expect: expectationOf(point.tags.token, ok, point.tags.expected_response),
    error: ok === 0 ? errorClassOf(point.tags.error_code) : undefined,
  };
}

/**
 * What the request expected. A request whose `token` tag names a case keystorm's table refuses
 * (an expired, forged or stale token…) expects that refusal by keystorm's own rule, exactly as
 * with the built-in engine, so a 2xx there is a security failure whatever the script said. Other
 * requests follow k6's verdict (`expected_response`, set by the script's response callback);
 * without it, any 2xx/3xx is expected (k6's default rule, and ours).
 */
function expectationOf(
  token: string | undefined,
  status: number,
  expected: string | undefined,
): readonly number[] | undefined {
  const row =
    token !== undefined && Object.hasOwn(EXPECTED, token) ? EXPECTED[token as RequestCase] : undefined;
  if (row !== undefined && row !== 'success') return row;
  if (expected === 'true') return [status];
  if (expected === 'false') return NOTHING_EXPECTED;
  return undefined;
}

/**
 * k6's `error_code` tag (its documented ranges: 1xxx general, 11xx DNS, 12xx TCP, 13xx TLS) →
 * keystorm's error classes. Codes not named here are `other`.
 */
function errorClassOf(code: string | undefined): ErrorClass {
  switch (code) {
    case '1050': // request timeout
    case '1211': // TCP dial timeout
      return 'timeout';
    case '1212': // TCP dial: connection refused
      return 'refused';
    case '1220': // connection reset by peer
      return 'reset';
    default:
      return 'other';
  }
}

/** The request as the engine would have reported it, in scenario ms (`originMs` = scenario time 0). */
export function toRequestSample(request: K6Request, originMs: number): RequestSample {
  const doneMs = request.endMs - originMs;
  // k6 does not know when a start was due: the send time stands for it (no coordinated-omission
  // correction; k6 counts starts it could not make as dropped iterations instead).
  const sentMs = doneMs - request.durationMs;
  return {
    kind: request.kind,
    expect: request.expect,
    status: request.status,
    error: request.error,
    intendedMs: sentMs,
    sentMs,
    doneMs,
  };
}
