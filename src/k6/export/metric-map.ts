/**
 * Which keystorm metrics a k6 script measures itself, under which k6 metric name. The script
 * records its own metrics for the requests to the SUT only (token and minting requests would
 * otherwise count in k6's `http_req_*`), so every threshold judges exactly what keystorm would.
 */
import type { MetricName } from '../../slo/metrics.ts';

/** Custom metrics the generated script defines (name → k6 metric type). */
export const SCRIPT_METRICS = {
  keystorm_request_duration: 'Trend',
  keystorm_requests: 'Counter',
  keystorm_unexpected: 'Rate',
  keystorm_status_401: 'Rate',
  keystorm_status_403: 'Rate',
  keystorm_status_5xx: 'Rate',
  keystorm_transport_errors: 'Rate',
  keystorm_security_failures: 'Counter',
} as const;

export type ScriptMetric = keyof typeof SCRIPT_METRICS;

/** The metric every zero-sample guard counts: requests sent to the SUT. */
export const GUARD_METRIC: ScriptMetric = 'keystorm_requests';

/**
 * keystorm metric → the k6 metric that measures the same thing in the generated script.
 * `request_duration` is keystorm's latency from the intended start; k6's arrival-rate executors
 * drop a start they cannot make instead of queueing it, so the time from the actual send is the
 * same reading for every start that happened (the dropped ones are `dropped_iterations`).
 */
export const K6_METRIC: Partial<Record<MetricName, string>> = {
  request_duration: 'keystorm_request_duration',
  request_duration_uncorrected: 'keystorm_request_duration',
  requests: 'keystorm_requests',
  unexpected_rate: 'keystorm_unexpected',
  status_401_rate: 'keystorm_status_401',
  status_403_rate: 'keystorm_status_403',
  status_5xx_rate: 'keystorm_status_5xx',
  error_rate: 'keystorm_transport_errors',
  security_failures: 'keystorm_security_failures',
  dropped_starts: 'dropped_iterations',
};

/** k6's own table of the aggregations each of its metric types accepts. */
export const K6_AGGREGATIONS: Readonly<Record<string, readonly string[]>> = {
  Trend: ['avg', 'min', 'max', 'med', 'p'],
  Rate: ['rate'],
  Counter: ['count', 'rate'],
};

/** The k6 type of a metric the map names (dropped_iterations is a k6 counter). */
export function k6TypeOf(metric: string): string {
  return metric in SCRIPT_METRICS ? SCRIPT_METRICS[metric as ScriptMetric] : 'Counter';
}
