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
