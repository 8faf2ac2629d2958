/**
 * Every finished request of a scenario, booked by when it was DUE to start (its intended start,
 * ms resolution), so windows are exact: a request held by a black hole that ends after the fault
 * was lifted still counts in the fault's window, and a failure in a window's first partial
 * second is never lost to whole-second rounding. The load engine's own per-second buckets book
 * a request in the second it ended — right for charts of what clients saw, wrong for judging a
 * window.
 *
 * Each request is recorded with its tags: its kind (the mix entry it came from) and whatever else
 * the request source tagged it with (the state of a pooled token: `fresh`, `stale` …). A window
 * read for a kind reads the requests carrying that tag, so `{kind:valid}` means the mix entry and
 * `{kind:fresh}` a fresh token.
 *
 * Storage is columnar (typed arrays grown by doubling): about 26 bytes a request, so a 10-minute
 * scenario at 2,000 req/s stays near 30 MB. Past {@link MAX_LOGGED} requests the log stops
 * growing and says so (`truncated`); the runner then falls back to the engine's windows.
 */
import { isExpected, isSecurityFailure } from '../load/counts.ts';
import type { RequestSample } from '../load/engine.ts';
import type { ErrorClass } from '../load/types.ts';
import type { LoadCounts, LoadWindow, LoadWindowReader } from '../slo/load-source.ts';
import type { TrendSummary } from '../slo/source.ts';
import { NO_TREND } from '../slo/source.ts';

/** Requests kept at most (≈ 100 MB); beyond it windows come from the engine's buckets. */
export const MAX_LOGGED = 4_000_000;

const ERROR_CODES: readonly (ErrorClass | undefined)[] = [
  undefined,
  'timeout',
  'reset',
  'refused',
  'aborted',
  'other',
];

/** Flags per request, one byte. */
const UNEXPECTED = 1;
const SECURITY_FAILURE = 2;
const LATE = 4;

/** One logged request as {@link RequestLog.scan} shows it (the same object, refilled per row). */
export interface LoggedRequest {
  intendedMs: number;
  /** Coordinated-omission corrected latency, ms. */
  correctedMs: number;
  /** HTTP status, 0 when none was received. */
  status: number;
  /** A transport error (timeout, reset, refused …) ended it. */
  error: boolean;
  unexpected: boolean;
  kind: string;
}

export interface RequestLogOptions {
  /** A start sent later than this after its intended time is late (the engine's threshold). */
  lateThresholdMs?: number;
}

export class RequestLog implements LoadWindowReader {
  #size = 0;
  #intended = new Float64Array(1024);
  #corrected = new Float32Array(1024);
  #uncorrected = new Float32Array(1024);
  #status = new Uint16Array(1024);
  #error = new Uint8Array(1024);
  #flags = new Uint8Array(1024);
  /** Per request: the index of its tag set (the distinct sets are few: kinds × token states). */
  #tagSet = new Uint16Array(1024);
  readonly #tagSets: (readonly string[])[] = [];
  readonly #tagSetIndex = new Map<string, number>();
  readonly #byTagList = new WeakMap<readonly string[], Map<string, number>>();
  /** Kinds with a request that expects success (a 2xx): failures of these are user-visible. */
  readonly #positive = new Set<string>();
  readonly #lateMs: number;
  /** True once MAX_LOGGED was reached: later requests were not logged. */
  truncated = false;
  /** Whether the samples arrived in intended-start order so far (lets windows binary-search). */
  #sorted = true;

  constructor(options: RequestLogOptions = {}) {
    this.#lateMs = options.lateThresholdMs ?? 5;
  }

  get size(): number {
    return this.#size;
  }

  /** Books one finished request (the engine's `onRequest`). */
  add(sample: RequestSample): void {
    if (this.#size >= MAX_LOGGED) {
      this.truncated = true;
      return;
    }
    if (this.#size === this.#intended.length) this.#grow();
    const i = this.#size++;
    if (i > 0 && sample.intendedMs < (this.#intended[i - 1] ?? 0)) this.#sorted = false;
    this.#intended[i] = sample.intendedMs;
    this.#corrected[i] = Math.max(0, sample.doneMs - sample.intendedMs);
    this.#uncorrected[i] = sample.sentMs < 0 ? -1 : Math.max(0, sample.doneMs - sample.sentMs);
    this.#status[i] = sample.status;
    this.#error[i] = Math.max(0, ERROR_CODES.indexOf(sample.error));
    const ok = sample.status !== 0 && isExpected(sample.status, sample.expect);
    this.#flags[i] =
      (ok ? 0 : UNEXPECTED) |
      (isSecurityFailure(sample.status, sample.expect) ? SECURITY_FAILURE : 0) |
      (sample.sentMs >= 0 && sample.sentMs - sample.intendedMs > this.#lateMs ? LATE : 0);
    this.#tagSet[i] = this.#tagSetOf(sample.kind, sample.tags);
    if (expectsSuccess(sample.expect)) this.#positive.add(sample.kind);
  }

  /** Whether requests of this kind expect success (a 2xx), i.e. are not negative cases. */
  expectsSuccess(kind: string): boolean {
    return this.#positive.has(kind);
  }

  /** Visits every logged request in the order booked (for charts; the object is reused). */
  scan(visit: (request: Readonly<LoggedRequest>) => void): void {
    const row: LoggedRequest = {
      intendedMs: 0,
      correctedMs: 0,
      status: 0,
      error: false,
      unexpected: false,
      kind: '',
    };
    for (let i = 0; i < this.#size; i++) {
      row.intendedMs = this.#intended[i] ?? 0;
      row.correctedMs = this.#corrected[i] ?? 0;
      row.status = this.#status[i] ?? 0;
      row.error = (this.#error[i] ?? 0) > 0;
      row.unexpected = ((this.#flags[i] ?? 0) & UNEXPECTED) !== 0;
      // The first tag of a set is the request's kind (its mix entry); the rest are token states.
      row.kind = this.#tagSets[this.#tagSet[i] ?? 0]?.[0] ?? '';
      visit(row);
    }
  }

  /** The requests due in [fromMs, toMs), read as an SLO window; `kind` selects those carrying that tag. */
  window(fromMs: number, toMs: number): LoadWindow {
    const rows = this.#rowsIn(fromMs, toMs);
    const byTag = new Map<string | undefined, number[]>();
    const rowsOf = (tag: string | undefined): number[] => {
      let picked = byTag.get(tag);
      if (picked === undefined) {
        if (tag === undefined) picked = rows;
        else {
          const sets = new Set(this.#tagSets.flatMap((set, i) => (set.includes(tag) ? [i] : [])));
          picked = sets.size === 0 ? [] : rows.filter((r) => sets.has(this.#tagSet[r] ?? -1));
        }
        byTag.set(tag, picked);
      }
      return picked;
    };
    return {
      counts: (kind) => this.#counts(rowsOf(kind)),
      latency: (which, kind) =>
        this.#trend(rowsOf(kind), which === 'corrected' ? this.#corrected : this.#uncorrected),
    };
  }

  /** Every tag seen so far (kinds first, in order of appearance). */
  tags(): readonly string[] {
    return [...new Set(this.#tagSets.flat())];
  }

  #rowsIn(fromMs: number, toMs: number): number[] {
    const out: number[] = [];
    let start = 0;
    if (this.#sorted) start = this.#firstAtOrAfter(fromMs);
    for (let i = start; i < this.#size; i++) {
      const t = this.#intended[i] ?? 0;
      if (t >= toMs) {
        if (this.#sorted) break;
        continue;
      }
      if (t >= fromMs) out.push(i);
    }
    return out;
  }

  #firstAtOrAfter(ms: number): number {
    let lo = 0;
    let hi = this.#size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#intended[mid] ?? 0) < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #counts(rows: readonly number[]): LoadCounts {
    const status = { '401': 0, '403': 0, '5xx': 0 };
    let errors = 0;
    let unexpected = 0;
    let security = 0;
    let late = 0;
    let started = 0;
    for (const r of rows) {
      const code = this.#status[r] ?? 0;
      if (code === 401) status['401']++;
      else if (code === 403) status['403']++;
      else if (code >= 500 && code < 600) status['5xx']++;
      if ((this.#error[r] ?? 0) > 0) errors++;
      const flags = this.#flags[r] ?? 0;
      if (flags & UNEXPECTED) unexpected++;
      if (flags & SECURITY_FAILURE) security++;
      if (flags & LATE) late++;
      if ((this.#uncorrected[r] ?? -1) >= 0) started++;
    }
    return {
      requests: rows.length,
      started,
      late,
      dropped: 0,
      unexpected,
      securityFailures: security,
      status,
      errors: { total: errors },
    };
  }

  #trend(rows: readonly number[], column: Float32Array): TrendSummary {
    const values: number[] = [];
    for (const r of rows) {
      const v = column[r] ?? -1;
      if (v >= 0) values.push(v);
    }
    if (values.length === 0) return NO_TREND;
    const sorted = Float64Array.from(values).sort();
    const sum = values.reduce((a, b) => a + b, 0);
    return {
      samples: sorted.length,
      min: sorted[0] ?? NaN,
      max: sorted[sorted.length - 1] ?? NaN,
      avg: sum / sorted.length,
      // Nearest rank, as HDR histograms and k6 report a percentile: a value that was observed.
      percentile: (p) =>
        sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN,
    };
  }

  #tagSetOf(kind: string, tags: readonly string[] | undefined): number {
    // Sources share one frozen tag list per state: its identity is a free cache key per request.
    const known = tags === undefined ? undefined : this.#byTagList.get(tags)?.get(kind);
    if (known !== undefined) return known;
    const key = tags === undefined || tags.length === 0 ? kind : `${kind}\u0000${tags.join('\u0000')}`;
    let k = this.#tagSetIndex.get(key);
    if (k === undefined) {
      k = this.#tagSets.length;
      this.#tagSets.push(Object.freeze([kind, ...(tags ?? [])]));
      this.#tagSetIndex.set(key, k);
    }
    if (tags !== undefined) {
      let byKind = this.#byTagList.get(tags);
      if (byKind === undefined) this.#byTagList.set(tags, (byKind = new Map<string, number>()));
      byKind.set(kind, k);
    }
    return k;
  }

  #grow(): void {
    const n = this.#intended.length * 2;
    const grow = <T extends Float64Array | Float32Array | Uint16Array | Uint8Array>(
      a: T,
      make: (n: number) => T,
    ): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.#intended = grow(this.#intended, (k) => new Float64Array(k));
    this.#corrected = grow(this.#corrected, (k) => new Float32Array(k));
    this.#uncorrected = grow(this.#uncorrected, (k) => new Float32Array(k));
    this.#status = grow(this.#status, (k) => new Uint16Array(k));
    this.#error = grow(this.#error, (k) => new Uint8Array(k));
    this.#flags = grow(this.#flags, (k) => new Uint8Array(k));
    this.#tagSet = grow(this.#tagSet, (k) => new Uint16Array(k));
  }
}

/** A request expects success when it names no statuses (2xx/3xx by default) or names a 2xx. */
function expectsSuccess(expect: readonly number[] | undefined): boolean {
  return expect === undefined || expect.length === 0 || expect.some((s) => s >= 200 && s < 300);
}
