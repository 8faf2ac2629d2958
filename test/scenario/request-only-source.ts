/**
 * A scenario metric source over requests alone (no provider, proxy, logs or timeline readings):
 * what tests of request windows and SLOs on them need, built the way a run builds it.
 */
import type { RequestLog } from '../../src/scenario/request-log.ts';
import { createScenarioMetricSource } from '../../src/scenario/metric-source.ts';
import type { MetricSource } from '../../src/slo/source.ts';

export function requestOnlySource(
  requests: RequestLog,
  droppedStarts: (fromMs: number, toMs: number) => number = () => 0,
): MetricSource {
  return createScenarioMetricSource({
    requests,
    droppedStarts,
    idpSeconds: [],
    proxySamples: [],
    logMatches: () => 0,
    readinessMismatches: [],
    lateness: [],
    recoverySeries: [],
    baseline: undefined,
    timeScale: 1,
  });
}
