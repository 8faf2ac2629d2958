/**
 * Scrapes a SUT's Prometheus endpoint into a snapshot and compares snapshots: "how many JWKS
 * fetches did the gateway make during the outage" is the increase of a counter between two
 * scrapes.
 */
import { request, type Dispatcher } from 'undici';
import { HarnessError } from '../errors.ts';
import { parsePrometheusText, type MetricSample, type MetricType } from './prometheus-text.ts';

/** Labels to select series by: every given label must match exactly; others are ignored. */
export type LabelFilter = Readonly<Record<string, string>>;

export class MetricsSnapshot {
  constructor(
    /** When the scrape finished (ms, the caller's clock). */
    readonly at: number,
    readonly samples: readonly MetricSample[],
    readonly types: ReadonlyMap<string, MetricType>,
    /** PID of the process scraped, when keystorm started it: a new PID means counters reset. */
    readonly pid?: number,
  ) {}

  /** Samples named `name` whose labels match `filter`. */
  select(name: string, filter: LabelFilter = {}): MetricSample[] {
    return this.samples.filter(
      (s) => s.name === name && Object.entries(filter).every(([k, v]) => s.labels[k] === v),
    );
  }

  /** Sum of the matching samples' values; undefined when no series matches. */
  sum(name: string, filter: LabelFilter = {}): number | undefined {
    const selected = this.select(name, filter);
    return selected.length === 0 ? undefined : selected.reduce((acc, s) => acc + s.value, 0);
  }

  /** True when a series named `name` exists (under any labels). */
  has(name: string): boolean {
    return this.samples.some((s) => s.name === name);
  }
}

function seriesKey(sample: MetricSample): string {
  return JSON.stringify(Object.entries(sample.labels).sort(([a], [b]) => a.localeCompare(b)));
}

/** True when the two scrapes come from different processes (the SUT restarted in between). */
function restartedBetween(before: MetricsSnapshot, after: MetricsSnapshot): boolean {
  if (before.pid !== undefined && after.pid !== undefined) return before.pid !== after.pid;
  const started = (s: MetricsSnapshot): number | undefined => s.sum('process_start_time_seconds');
  const a = started(before);
  const b = started(after);
  return a !== undefined && b !== undefined && a !== b;
}

/**
 * Increase of a counter between two scrapes, summed over the series that match `filter`.
 * When the SUT restarted in between (another PID, or another `process_start_time_seconds`)
 * every counter started again from 0, so the whole new value counts. Without that knowledge a
 * series whose value went down counts as reset, as Prometheus' `increase()` does. A series
 * that appears only in `after` counts from 0.
 * Returns undefined when neither scrape has the counter, so a missing metric is not read as 0.
 */
export function counterIncrease(
  before: MetricsSnapshot,
  after: MetricsSnapshot,
  name: string,
  filter: LabelFilter = {},
): number | undefined {
  const afterSamples = after.select(name, filter);
  const beforeSamples = before.select(name, filter);
  if (afterSamples.length === 0 && beforeSamples.length === 0) return undefined;
  const previous = restartedBetween(before, after)
    ? new Map<string, number>()
    : new Map(beforeSamples.map((s) => [seriesKey(s), s.value]));
  let total = 0;
  for (const sample of afterSamples) {
    const was = previous.get(seriesKey(sample)) ?? 0;
    total += sample.value >= was ? sample.value - was : sample.value;
  }
  return total;
}

export interface ScrapeOptions {
  /** Per-scrape deadline (ms). */
  timeoutMs?: number;
  dispatcher?: Dispatcher;
  now?: () => number;
  /** PID of the scraped process, recorded in the snapshot. */
  pid?: number;
}

/** GETs `url` and parses it; ERR_TIMEOUT / ERR_SUT_NOT_READY name the URL on failure. */
export async function scrapeMetrics(url: string, options: ScrapeOptions = {}): Promise<MetricsSnapshot> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const now = options.now ?? Date.now;
  let status: number;
  let body: string;
  try {
    const response = await request(url, {
      method: 'GET',
      headers: { accept: 'text/plain;version=0.0.4, */*;q=0.1' },
      headersTimeout: Math.ceil(timeoutMs),
      bodyTimeout: Math.ceil(timeoutMs),
      signal: AbortSignal.timeout(Math.ceil(timeoutMs)),
      ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
    });
    status = response.statusCode;
    body = await response.body.text();
  } catch (error) {
    throw new HarnessError('ERR_SUT_NOT_READY', `GET ${url} (metrics) failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (status < 200 || status >= 300) {
    throw new HarnessError('ERR_SUT_NOT_READY', `GET ${url} (metrics) answered ${status}`);
  }
  const parsed = parsePrometheusText(body);
  return new MetricsSnapshot(now(), parsed.samples, parsed.types, options.pid);
}
