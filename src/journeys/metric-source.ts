/**
 * Journey samples as SLO figures: `journey_success_rate` (runs that passed out of runs taken)
 * and `journey_duration` (ms per run), by the run's start time, filterable by `journey:<name>`
 * and `outcome:<outcome>`. {@link withJourneyMetrics} puts them beside a scenario's own source.
 */
import { createMemorySource } from '../slo/memory-source.ts';
import type { MetricName } from '../slo/metrics.ts';
import type { MetricQuery, MetricSource } from '../slo/source.ts';
import type { JourneySample } from './types.ts';

/** The metrics this source answers; everything else is someone else's. */
export const JOURNEY_METRICS: readonly MetricName[] = ['journey_success_rate', 'journey_duration'];

/** A MetricSource over the samples as they are when queried (the list may still grow). */
export function createJourneyMetricSource(samples: () => readonly JourneySample[]): MetricSource {
  const build = (): MetricSource => {
    const memory = createMemorySource();
    for (const s of samples()) {
      const tags = { journey: s.journey, outcome: s.outcome };
      memory.record('journey_success_rate', s.outcome === 'passed', s.atMs, tags);
      memory.record('journey_duration', s.durationMs, s.atMs, tags);
    }
    return memory;
  };
  return {
    trend: (q) => build().trend(q),
    rate: (q) => build().rate(q),
    counter: (q) => build().counter(q),
    gauge: (q) => build().gauge(q),
  };
}

/** `base` for every metric but the journey ones, which `journeys` answers. */
export function withJourneyMetrics(base: MetricSource, journeys: MetricSource): MetricSource {
  const pick = (q: MetricQuery): MetricSource => (JOURNEY_METRICS.includes(q.metric) ? journeys : base);
  return {
    trend: (q) => pick(q).trend(q),
    rate: (q) => pick(q).rate(q),
    counter: (q) => pick(q).counter(q),
    gauge: (q) => pick(q).gauge(q),
  };
}
