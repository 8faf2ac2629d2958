/**
 * The gateway's Prometheus metrics, on a registry of its own (never prom-client's global one),
 * named as in the seeds: `jwt_key_cache_miss_total`, `jwks_fetch_duration_seconds`,
 * `jwks_coalesced_requests_total` … so the harness and dashboards can read them as-is.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface GatewayMetrics {
  readonly registry: Registry;
  readonly cacheHits: Counter<'provider'>;
  readonly cacheMisses: Counter<'provider' | 'reason'>;
  readonly fetchDuration: Histogram<'provider' | 'kind' | 'outcome'>;
  readonly fetches: Counter<'provider' | 'kind' | 'outcome'>;
  readonly coalesced: Counter<'provider'>;
  readonly inflight: Gauge<'provider'>;
  readonly staleServed: Counter<'provider'>;
  readonly oldKeysRecached: Counter<'provider'>;
  readonly incompleteCached: Counter<'provider'>;
  readonly readinessChecks: Counter<'provider' | 'ready'>;
  readonly cacheSize: Gauge<'provider'>;
  readonly keyWait: Histogram<'provider'>;
  readonly verifications: Counter<'result'>;
  readonly httpRequests: Counter<'path' | 'status'>;
  readonly httpDuration: Histogram<'path' | 'status'>;
}

export function createMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    cacheHits: new Counter({
      name: 'jwt_key_cache_hit_total',
      help: 'Key lookups answered from the cache without waiting for a fetch',
      labelNames: ['provider'],
      registers,
    }),
    cacheMisses: new Counter({
      name: 'jwt_key_cache_miss_total',
      help: 'Key lookups that needed a fetch (reason: cold, expired, unknown_kid)',
      labelNames: ['provider', 'reason'],
      registers,
    }),
    fetchDuration: new Histogram({
      name: 'jwks_fetch_duration_seconds',
      help: 'Duration of outbound discovery/JWKS fetches',
      labelNames: ['provider', 'kind', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers,
    }),
    fetches: new Counter({
      name: 'jwks_fetch_total',
      help: 'Outbound discovery/JWKS fetches by outcome (ok, status, timeout, network, implausible)',
      labelNames: ['provider', 'kind', 'outcome'],
      registers,
    }),
    coalesced: new Counter({
      name: 'jwks_coalesced_requests_total',
      help: 'Key lookups that joined a fetch already in flight instead of starting one',
      labelNames: ['provider'],
      registers,
    }),
    inflight: new Gauge({
      name: 'jwks_inflight_requests',
      help: 'Outbound discovery/JWKS fetches in flight',
      labelNames: ['provider'],
      registers,
    }),
    staleServed: new Counter({
      name: 'jwks_stale_served_total',
      help: 'Key lookups answered with last-known-good keys past their TTL because the provider failed',
      labelNames: ['provider'],
      registers,
    }),
    oldKeysRecached: new Counter({
      name: 'jwks_old_keys_recached_total',
      help: 'Refreshes that failed and kept last-known-good keys (log: "Old JWKS re-cached: some key providers failed")',
      labelNames: ['provider'],
      registers,
    }),
    incompleteCached: new Counter({
      name: 'jwks_incomplete_cached_total',
      help: 'Fetches that failed with no keys to fall back to (log: "Incomplete JWKS cached: …")',
      labelNames: ['provider'],
      registers,
    }),
    readinessChecks: new Counter({
      name: 'gateway_readiness_checks_total',
      help: 'Readiness answers per provider (ready="false": no key set fetched for it yet)',
      labelNames: ['provider', 'ready'],
      registers,
    }),
    cacheSize: new Gauge({
      name: 'jwt_key_cache_size',
      help: 'Keys cached per provider',
      labelNames: ['provider'],
      registers,
    }),
    keyWait: new Histogram({
      name: 'jwks_wait_duration_seconds',
      help: 'Time a request waited for a key on a cache miss',
      labelNames: ['provider'],
      buckets: [0.001, 0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers,
    }),
    verifications: new Counter({
      name: 'jwt_verifications_total',
      help: 'Token verifications by result (ok or the rejection reason)',
      labelNames: ['result'],
      registers,
    }),
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['path', 'status'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['path', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers,
    }),
  };
}

/** Status codes the protected routes answer; their series exist from the start. */
const ROUTE_STATUSES = ['200', '401', '403', '405', '500', '503'] as const;
const MISS_REASONS = ['cold', 'expired', 'unknown_kid'] as const;
const FETCH_KINDS = ['jwks', 'discovery'] as const;
const FETCH_OUTCOMES = ['ok', 'status', 'timeout', 'network', 'too_large', 'implausible'] as const;

/**
 * Creates every labelled series the alerting rules (alerts/*.rules.yml) read, at zero, before the
 * first request. A counter that first appears with a value above zero loses that first increment
 * to `rate()`/`increase()` (they need two samples), and `sum()` of a series that does not exist
 * yet is empty rather than 0, so a rule comparing it would be silent rather than false.
 */
export function initialiseSeries(
  metrics: GatewayMetrics,
  providers: readonly string[],
  paths: readonly string[],
): void {
  for (const provider of providers) {
    metrics.cacheHits.inc({ provider }, 0);
    for (const reason of MISS_REASONS) metrics.cacheMisses.inc({ provider, reason }, 0);
    for (const kind of FETCH_KINDS) {
      for (const outcome of FETCH_OUTCOMES) {
        metrics.fetches.inc({ provider, kind, outcome }, 0);
        metrics.fetchDuration.zero({ provider, kind, outcome });
      }
    }
    metrics.coalesced.inc({ provider }, 0);
    metrics.inflight.set({ provider }, 0);
    metrics.staleServed.inc({ provider }, 0);
    metrics.oldKeysRecached.inc({ provider }, 0);
    metrics.incompleteCached.inc({ provider }, 0);
    for (const ready of ['true', 'false']) metrics.readinessChecks.inc({ provider, ready }, 0);
    metrics.cacheSize.set({ provider }, 0);
  }
  for (const path of paths) {
    for (const status of ROUTE_STATUSES) {
      metrics.httpRequests.inc({ path, status }, 0);
      metrics.httpDuration.zero({ path, status });
    }
  }
}
