/**
 * The counters kept for the whole run, for each request kind and for each second. Plain
 * numeric fields on one class (not maps) because they are bumped on every request.
 */
import type { ErrorClass } from './types.ts';

/** Outcome counts in the JSON results. `requests` = `responses` + `errors.total`. */
export interface CountsJson {
  /** Requests that ended (with a status or an error). */
  requests: number;
  /** Requests put on the wire. */
  started: number;
  /** Starts sent later than the late-start threshold after their intended time. */
  late: number;
  /** Starts that could not be made because the in-flight budget was exhausted. */
  dropped: number;
  /** Requests that got an HTTP status. */
  responses: number;
  /**
   * Responses by status class. The classes partition `responses`: `4xx` holds the 4xx other
   * than 401 and 403, which have their own counters; `other` is anything outside 200–599.
   */
  status: {
    '2xx': number;
    '3xx': number;
    '401': number;
    '403': number;
    '4xx': number;
    '5xx': number;
    other: number;
  };
  /** Requests without a status, by cause. */
  errors: { total: number } & Record<ErrorClass, number>;
  /** Outcomes not in the request's `expect` list (errors always count). */
  unexpected: number;
  /** Requests expecting only 401/403 that got a 2xx: the SUT let a bad token through. */
  securityFailures: number;
  /** Shares of `requests` (0 when there are none; check `requests` for zero samples). */
  rates: { unexpected: number; error: number; '401': number; '403': number; '5xx': number };
}

export class Counts {
  started = 0;
  late = 0;
  dropped = 0;
  responses = 0;
  s2xx = 0;
  s3xx = 0;
  s401 = 0;
  s403 = 0;
  s4xx = 0;
  s5xx = 0;
  sOther = 0;
  timeout = 0;
  reset = 0;
  refused = 0;
  aborted = 0;
  otherError = 0;
  unexpected = 0;
  securityFailures = 0;

  get errors(): number {
    return this.timeout + this.reset + this.refused + this.aborted + this.otherError;
  }

  get requests(): number {
    return this.responses + this.errors;
  }

  status(status: number): void {
    this.responses++;
    if (status >= 200 && status < 300) this.s2xx++;
    else if (status >= 300 && status < 400) this.s3xx++;
    else if (status === 401) this.s401++;
    else if (status === 403) this.s403++;
    else if (status >= 400 && status < 500) this.s4xx++;
    else if (status >= 500 && status < 600) this.s5xx++;
    else this.sOther++;
  }

  error(error: ErrorClass): void {
    switch (error) {
      case 'timeout':
        this.timeout++;
        break;
      case 'reset':
        this.reset++;
        break;
      case 'refused':
        this.refused++;
        break;
      case 'aborted':
        this.aborted++;
        break;
      default:
        this.otherError++;
    }
  }

  add(other: Counts): void {
    this.started += other.started;
    this.late += other.late;
    this.dropped += other.dropped;
    this.responses += other.responses;
    this.s2xx += other.s2xx;
    this.s3xx += other.s3xx;
    this.s401 += other.s401;
    this.s403 += other.s403;
    this.s4xx += other.s4xx;
    this.s5xx += other.s5xx;
    this.sOther += other.sOther;
    this.timeout += other.timeout;
    this.reset += other.reset;
    this.refused += other.refused;
    this.aborted += other.aborted;
    this.otherError += other.otherError;
    this.unexpected += other.unexpected;
    this.securityFailures += other.securityFailures;
  }

  toJSON(): CountsJson {
    const requests = this.requests;
    const errors = this.errors;
    const share = (n: number): number => (requests === 0 ? 0 : n / requests);
    return {
      requests,
      started: this.started,
      late: this.late,
      dropped: this.dropped,
      responses: this.responses,
      status: {
        '2xx': this.s2xx,
        '3xx': this.s3xx,
        '401': this.s401,
        '403': this.s403,
        '4xx': this.s4xx,
        '5xx': this.s5xx,
        other: this.sOther,
      },
      errors: {
        total: errors,
        timeout: this.timeout,
        reset: this.reset,
        refused: this.refused,
        aborted: this.aborted,
        other: this.otherError,
      },
      unexpected: this.unexpected,
      securityFailures: this.securityFailures,
      rates: {
        unexpected: share(this.unexpected),
        error: share(errors),
        '401': share(this.s401),
        '403': share(this.s403),
        '5xx': share(this.s5xx),
      },
    };
  }
}

/** True when the status is an expected outcome for a request with this `expect` list. */
export function isExpected(status: number, expect: readonly number[] | undefined): boolean {
  if (expect === undefined || expect.length === 0) return status >= 200 && status < 400;
  return expect.includes(status);
}

/** A negative case (expects only 401/403) that got a 2xx: the SUT accepted what it must refuse. */
export function isSecurityFailure(status: number, expect: readonly number[] | undefined): boolean {
  if (expect === undefined || expect.length === 0 || status < 200 || status >= 300) return false;
  return expect.every((s) => s === 401 || s === 403);
}
