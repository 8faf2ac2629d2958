/**
 * Prometheus exposition through prom-client, on its own Registry (never the global one, so two
 * providers in one process do not mix). The hot path writes plain counters (see aggregates.ts);
 * these metrics read them at scrape time, so a scrape costs O(series) and a request costs nothing
 * extra. Every name starts with `mockidp_`.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { Metric } from 'prom-client';
import { ENDPOINTS } from '../contracts.ts';
import type { BucketHistogram } from './histogram.ts';
import type { MeasureState } from './state.ts';

type Labels = Record<string, string>;
interface Series {
  labels: Labels;
  value: number;
}

/** A histogram whose buckets are kept by BucketHistogram and only formatted here. */
function bucketHistogram(
  name: string,
  help: string,
  labelNames: string[],
  read: () => [Labels, BucketHistogram][],
) {
  const snapshot = () => {
    const values: (Series & { metricName: string })[] = [];
    for (const [labels, h] of read()) {
      let cumulative = 0;
      h.bounds.forEach((bound, i) => {
        cumulative += h.counts[i] ?? 0;
        values.push({
          metricName: `${name}_bucket`,
          labels: { ...labels, le: String(bound) },
          value: cumulative,
        });
      });
      cumulative += h.counts[h.bounds.length] ?? 0;
      values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: cumulative });
      values.push({ metricName: `${name}_sum`, labels, value: h.sum });
      values.push({ metricName: `${name}_count`, labels, value: h.count });
    }
    return { name, help, type: 'histogram', values, aggregator: 'sum' };
  };
  return {
    name,
    help,
    type: 'histogram',
    labelNames,
    aggregator: 'sum',
    get: () => Promise.resolve(snapshot()),
    reset: () => {},
  };
}

export function createPrometheus(state: MeasureState): Registry {
  const registry = new Registry();
  const registers = [registry];

  const counter = (name: string, help: string, labelNames: string[], read: () => Series[]) =>
    new Counter({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const s of read()) this.inc(s.labels, s.value);
      },
    });
  const gauge = (name: string, help: string, labelNames: string[], read: () => Series[]) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const s of read()) this.set(s.labels, s.value);
      },
    });
  const slots = () => [...state.clients.values()].flatMap((c) => [...c.slots.values()]);
  const pairLabels = (s: { client: { id: string }; issuer: { name: string } }) => ({
    client: s.client.id,
    issuer: s.issuer.name,
  });

  counter(
    'mockidp_requests_total',
    'Data-plane requests by issuer, endpoint, status (or reset/hang/truncated/aborted) and fault',
    ['issuer', 'endpoint', 'status', 'fault'],
    () =>
      [...state.issuers.values()].flatMap((i) =>
        ENDPOINTS.flatMap((endpoint, index) =>
          [...(i.endpoints[index]?.byStatus ?? [])].flatMap(([status, faults]) =>
            [...faults].map(([fault, value]) => ({
              labels: { issuer: i.name, endpoint, status: String(status), fault },
              value,
            })),
          ),
        ),
      ),
  );
  registry.registerMetric(
    bucketHistogram(
      'mockidp_request_duration_seconds',
      'Data-plane request duration (arrival to end of delivery, faults included)',
      ['issuer', 'endpoint'],
      () =>
        [...state.issuers.values()].flatMap((i) =>
          ENDPOINTS.flatMap((endpoint, index) => {
            const h = i.endpoints[index]?.latency;
            return h === undefined || h.count === 0
              ? []
              : [[{ issuer: i.name, endpoint }, h] as [Labels, BucketHistogram]];
          }),
        ),
    ) as unknown as Metric,
  );
  counter('mockidp_jwks_fetches_total', 'JWKS requests per client and issuer', ['client', 'issuer'], () =>
    slots().map((s) => ({ labels: pairLabels(s), value: s.jwksFetches })),
  );
  counter(
    'mockidp_jwks_fetches_after_unknown_kid_total',
    'JWKS fetches that followed a token with an unknown kid (each client counted once per such token)',
    ['client', 'issuer'],
    () => slots().map((s) => ({ labels: pairLabels(s), value: s.jwksFetchesAfterUnknownKid })),
  );
  gauge('mockidp_jwks_requests_in_flight', 'JWKS requests being answered now', ['client', 'issuer'], () =>
    slots().map((s) => ({ labels: pairLabels(s), value: s.jwksInFlight.value })),
  );
  gauge(
    'mockidp_jwks_requests_in_flight_peak',
    'Highest concurrent JWKS requests since the last reset, per client and issuer',
    ['client', 'issuer'],
    () => slots().map((s) => ({ labels: pairLabels(s), value: s.jwksInFlight.peak })),
  );
  gauge(
    'mockidp_jwks_requests_in_flight_global_peak',
    'Highest concurrent JWKS requests since the last reset, all clients together',
    [],
    () => [{ labels: {}, value: state.totals.jwksInFlight.peak }],
  );
  gauge(
    'mockidp_open_sockets',
    'Open sockets per client (a socket belongs to its first request)',
    ['client'],
    () => [...state.clients.values()].map((c) => ({ labels: { client: c.id }, value: c.openSockets.value })),
  );
  gauge('mockidp_open_sockets_peak', 'Highest open sockets per client since the last reset', ['client'], () =>
    [...state.clients.values()].map((c) => ({ labels: { client: c.id }, value: c.openSockets.peak })),
  );
  counter('mockidp_connections_total', 'Data-plane connections accepted', [], () => [
    { labels: {}, value: state.totals.connections },
  ]);
  registry.registerMetric(
    bucketHistogram(
      'mockidp_jwks_fetch_interarrival_seconds',
      'Time between consecutive JWKS fetches of one client from one issuer',
      ['client', 'issuer'],
      () =>
        slots().flatMap((s) =>
          s.arrivals.histogram.count === 0
            ? []
            : [[pairLabels(s), s.arrivals.histogram] as [Labels, BucketHistogram]],
        ),
    ) as unknown as Metric,
  );
  counter(
    'mockidp_tokens_issued_total',
    'Tokens issued by issuer, grant and algorithm',
    ['issuer', 'grant', 'alg'],
    () =>
      [...state.totals.tokensByIssuerGrantAlg].map(([key, value]) => {
        const [issuer = '', grant = '', alg = ''] = key.split('\u0000');
        return { labels: { issuer, grant, alg }, value };
      }),
  );
  counter(
    'mockidp_unknown_kid_tokens_total',
    'Tokens handed out whose kid is not in the served JWKS',
    ['issuer'],
    () => [...state.issuers.values()].map((i) => ({ labels: { issuer: i.name }, value: i.unknownKidTokens })),
  );
  counter('mockidp_faults_injected_total', 'Requests an HTTP fault acted on, by fault kind', ['kind'], () =>
    [...state.totals.faultsByKind].map(([kind, value]) => ({ labels: { kind }, value })),
  );
  return registry;
}
