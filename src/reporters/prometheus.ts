/**
 * metrics.prom: the run's verdicts and headline figures in Prometheus text format, written when
 * `prometheus` is among the reporters (for node-exporter's textfile collector) and pushed to a
 * Pushgateway when `output.pushGateway` is set. Uses prom-client with a private registry.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Gauge, Pushgateway, Registry } from 'prom-client';
import type { RunResult } from '../result/types.ts';
import type { Reporter } from './types.ts';

export function buildRegistry(run: RunResult): Registry {
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[] = []): Gauge =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const status = gauge('keystorm_run_success', '1 when every strict SLO was met, else 0');
  status.set(run.status === 'passed' ? 1 : 0);
  gauge('keystorm_run_duration_seconds', 'Wall time of the run').set(run.durationMs / 1000);
  gauge('keystorm_run_timestamp_seconds', 'When the run started (unix seconds)').set(
    Date.parse(run.startedAt) / 1000,
  );
  const sloMet = gauge('keystorm_slo_met', 'SLO verdict: 1 met, 0 breached (warn-only breaches are 0 too)', [
    'scenario',
    'slo',
    'window',
  ]);
  const sloObserved = gauge('keystorm_slo_observed', 'Value the SLO threshold was compared with', [
    'scenario',
    'slo',
    'window',
  ]);
  const requests = gauge('keystorm_requests', 'Requests sent to the SUT', ['scenario']);
  const unexpected = gauge('keystorm_unexpected_outcomes', 'Requests whose status was not the expected one', [
    'scenario',
  ]);
  const p95 = gauge('keystorm_latency_p95_seconds', 'Corrected p95 latency', ['scenario']);
  const jwks = gauge('keystorm_jwks_fetches', 'JWKS fetches seen by the mock IdP', ['scenario']);
  const jwksPeak = gauge('keystorm_jwks_peak_concurrency', 'Peak concurrent JWKS fetches', ['scenario']);
  for (const s of run.scenarios) {
    for (const v of s.slos) {
      const labels = { scenario: s.name, slo: `${v.metric} ${v.expression}`, window: v.window };
      sloMet.set(labels, v.status === 'pass' ? 1 : 0);
      if (v.observed !== null) sloObserved.set(labels, v.observed);
    }
    requests.set({ scenario: s.name }, s.load.requests);
    unexpected.set({ scenario: s.name }, s.load.unexpected);
    if (s.load.corrected.p95 !== null) p95.set({ scenario: s.name }, s.load.corrected.p95 / 1000);
    jwks.set({ scenario: s.name }, s.idp.jwksFetches);
    jwksPeak.set({ scenario: s.name }, s.idp.peakConcurrentJwksFetches);
  }
  return registry;
}

export function createPrometheusReporter(options: { pushGateway?: string; job?: string } = {}): Reporter {
  return {
    name: 'prometheus',
    async onEnd(run, info) {
      const registry = buildRegistry(run);
      await writeFile(join(info.outDir, 'metrics.prom'), await registry.metrics());
      if (options.pushGateway !== undefined) {
        const gateway = new Pushgateway(options.pushGateway, { timeout: 5000 }, registry);
        await gateway.pushAdd({ jobName: options.job ?? 'keystorm' });
      }
    },
  };
}
