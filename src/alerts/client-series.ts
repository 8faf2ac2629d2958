/**
 * keystorm's own client-side series, for rules that watch what users saw rather than what the
 * SUT reports (a synthetic canary's view): requests by kind and status, and their latency, fed
 * from the load engine's `onRequest` and scraped in-process by the alert recorder.
 *
 * Series: `keystorm_client_requests_total{kind,status}` (status "0" = no response) and
 * `keystorm_client_request_duration_seconds_bucket{kind,le}` with `_sum`/`_count`, measured from
 * each request's intended start (so a stalled client is not hidden).
 */
import type { RequestSample } from '../load/index.ts';
import type { Sample } from './prom-text.ts';
import type { ScrapeTarget } from './recorder.ts';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];

export interface ClientSeries {
  /** Pass as (or call from) the load engine's `onRequest`. */
  observe: (sample: RequestSample) => void;
  /** A recorder target (job `keystorm`) reading the current totals. */
  readonly target: ScrapeTarget;
}

export function createClientSeries(): ClientSeries {
  const requests = new Map<string, number>();
  const histograms = new Map<string, { buckets: number[]; sum: number; count: number }>();
  const collect = (): Sample[] => {
    const out: Sample[] = [];
    for (const [key, value] of requests) {
      const [kind = '', status = ''] = JSON.parse(key) as string[];
      out.push({ name: 'keystorm_client_requests_total', labels: { kind, status }, value });
    }
    for (const [kind, h] of histograms) {
      BUCKETS.forEach((le, i) =>
        out.push({
          name: 'keystorm_client_request_duration_seconds_bucket',
          labels: { kind, le: String(le) },
          value: h.buckets[i] ?? 0,
        }),
      );
      out.push({
        name: 'keystorm_client_request_duration_seconds_bucket',
        labels: { kind, le: '+Inf' },
        value: h.count,
      });
      out.push({ name: 'keystorm_client_request_duration_seconds_sum', labels: { kind }, value: h.sum });
      out.push({ name: 'keystorm_client_request_duration_seconds_count', labels: { kind }, value: h.count });
    }
    return out;
  };
  return {
    observe: (sample: RequestSample): void => {
      const key = JSON.stringify([sample.kind, String(sample.status)]);
      requests.set(key, (requests.get(key) ?? 0) + 1);
      let h = histograms.get(sample.kind);
      if (h === undefined) {
        h = { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 };
        histograms.set(sample.kind, h);
      }
      const seconds = Math.max(0, sample.doneMs - sample.intendedMs) / 1000;
      BUCKETS.forEach((le, i) => {
        if (seconds <= le && h !== undefined) h.buckets[i] = (h.buckets[i] ?? 0) + 1;
      });
      h.sum += seconds;
      h.count++;
    },
    target: { job: 'keystorm', instance: 'keystorm', collect },
  };
}
