/**
 * The metrics SLOs can name, and which aggregations each accepts. The kinds follow k6
 * (Trend, Rate, Counter, Gauge) so a k6 user reads our thresholds without surprises.
 */

/** k6's four metric kinds. */
export type MetricKind = 'trend' | 'rate' | 'counter' | 'gauge';

/** Aggregations of the threshold grammar (`p` is `p(N)`). */
export type AggregationName = 'avg' | 'min' | 'max' | 'med' | 'p' | 'rate' | 'count' | 'value';

/** Which aggregations each kind accepts (k6's table, plus min/max on gauges for peak readings). */
export const AGGREGATIONS_BY_KIND: Readonly<Record<MetricKind, readonly AggregationName[]>> = {
  trend: ['avg', 'min', 'max', 'med', 'p'],
  rate: ['rate'],
  counter: ['count', 'rate'],
  gauge: ['value', 'min', 'max'],
};

export interface MetricInfo {
  readonly kind: MetricKind;
  /** Unit of the values, for reports (`ms`, `ratio`, `count`). */
  readonly unit: 'ms' | 'ratio' | 'count';
  readonly description: string;
  /** Tag keys a selector must give (e.g. `log_matches{pattern:…}`). */
  readonly requiredTags?: readonly string[];
  /**
   * For per-group gauges: the tag that names the group. Samples are increments summed per group
   * over the window; the reading is the busiest group (`value` and `max`), `min` the quietest.
   */
  readonly groupBy?: string;
}

/**
 * Every metric keystorm can judge. Request metrics accept the `kind` tag (a mix entry's name, or
 * a pooled token's state: fresh, expiring, refreshed, stale); IdP metrics accept `issuer`; whatever backs the
 * {@link MetricSource} decides which tags it knows (an unknown tag simply matches no samples).
 */
export const METRICS = {
  request_duration: {
    kind: 'trend',
    unit: 'ms',
    description: 'latency from the intended start time (coordinated-omission corrected)',
  },
  request_duration_uncorrected: {
    kind: 'trend',
    unit: 'ms',
    description: 'latency from the actual send time',
  },
  requests: { kind: 'counter', unit: 'count', description: 'requests completed' },
  unexpected_rate: {
    kind: 'rate',
    unit: 'ratio',
    description: 'share of requests whose outcome differed from the expected one for their kind',
  },
  status_401_rate: { kind: 'rate', unit: 'ratio', description: 'share of requests answered with status 401' },
  status_403_rate: { kind: 'rate', unit: 'ratio', description: 'share of requests answered with status 403' },
  status_5xx_rate: {
    kind: 'rate',
    unit: 'ratio',
    description: 'share of requests answered with a 5xx status',
  },
  error_rate: {
    kind: 'rate',
    unit: 'ratio',
    description: 'share of requests that ended in a transport error (timeout, reset, refused)',
  },
  dropped_starts: {
    kind: 'counter',
    unit: 'count',
    description: 'scheduled starts the engine could not make (connection limit reached)',
  },
  dropped_rate: {
    kind: 'rate',
    unit: 'ratio',
    description:
      'share of scheduled starts dropped because the in-flight cap was reached (they have no latency)',
  },
  late_starts: { kind: 'counter', unit: 'count', description: 'starts sent later than scheduled' },
  security_failures: {
    kind: 'counter',
    unit: 'count',
    description: 'requests that succeeded where 401/403 was due (a negative case accepted)',
  },
  jwks_fetches: { kind: 'counter', unit: 'count', description: 'JWKS fetches seen by mock-idp' },
  jwks_peak_concurrency: {
    kind: 'gauge',
    unit: 'count',
    description: 'concurrent JWKS fetches in flight at mock-idp (use max for the peak)',
  },
  jwks_fetches_per_instance: {
    kind: 'gauge',
    unit: 'count',
    description: 'JWKS fetches per SUT instance in the window; value and max give the busiest instance',
    groupBy: 'instance',
  },
  jwks_fetch_rate_per_instance: {
    kind: 'gauge',
    unit: 'count',
    description:
      'JWKS fetches per second per SUT instance over the window; value and max give the busiest instance (backoff: ≤ 1)',
    groupBy: 'instance',
  },
  unknown_kid_fetches: {
    kind: 'counter',
    unit: 'count',
    description: 'JWKS fetches that followed a token with a kid absent from the served set',
  },
  time_to_recover: {
    kind: 'gauge',
    unit: 'ms',
    description: 'ms from the end of a fault until p95 and error rate are back near the baseline',
  },
  readiness_mismatches: {
    kind: 'counter',
    unit: 'count',
    description: 'readiness checks on the timeline whose expectation (ready / not ready) did not hold',
  },
  proxy_upstream_bytes: {
    kind: 'counter',
    unit: 'count',
    description:
      'bytes the SUT sent through the fault proxy towards a provider (evidence it tried to fetch during a network fault)',
  },
  action_lateness: {
    kind: 'gauge',
    unit: 'ms',
    description: 'how late timeline actions and faults started against their offsets (max: the latest one)',
  },
  log_matches: {
    kind: 'counter',
    unit: 'count',
    description: 'SUT log lines matching a pattern',
    requiredTags: ['pattern'],
  },
  journey_success_rate: {
    kind: 'rate',
    unit: 'ratio',
    description: 'share of browser journey runs that passed (filter by `journey:<name>`)',
  },
  journey_duration: {
    kind: 'trend',
    unit: 'ms',
    description: 'duration of browser journey runs, passed or not (filter by `journey:<name>`)',
  },
} as const satisfies Record<string, MetricInfo>;

export type MetricName = keyof typeof METRICS;

export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(METRICS, name);
}

export function metricInfo(name: MetricName): MetricInfo {
  return METRICS[name];
}
