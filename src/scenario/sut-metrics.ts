/**
 * The SUT's own counters over a scenario: its /metrics scraped on every replica right before the
 * load and right after it, and each counter's increase summed over replicas (restarts handled by
 * counterIncrease). Reports show them next to keystorm's figures — e.g. the gateway's
 * `jwt_key_cache_miss_total` and `jwks_coalesced_requests_total` beside mock-idp's fetch counts.
 */
import { counterIncrease } from '../sut/metrics.ts';
import type { MetricsSnapshot } from '../sut/metrics.ts';
import type { Sut } from '../sut/types.ts';

/** Scrapes every replica; undefined when the SUT has no metrics URL or a scrape fails. */
export async function scrapeSut(sut: Sut, hasMetricsUrl: boolean): Promise<MetricsSnapshot[] | undefined> {
  if (!hasMetricsUrl) return undefined;
  try {
    return await sut.scrapeMetrics();
  } catch {
    // A SUT that cannot answer /metrics right now (a replica restarting) only loses this figure.
    return undefined;
  }
}

/** Increase of every counter between the two scrapes, summed over replicas, sorted by name. */
export function counterIncreases(
  before: readonly MetricsSnapshot[] | undefined,
  after: readonly MetricsSnapshot[] | undefined,
): Record<string, number> {
  if (before === undefined || after === undefined) return {};
  const totals = new Map<string, number>();
  after.forEach((snapshot, i) => {
    const previous = before[i];
    if (previous === undefined) return;
    const names = new Set(snapshot.samples.map((s) => s.name));
    for (const name of names) {
      const type = snapshot.types.get(name) ?? snapshot.types.get(name.replace(/_total$/, ''));
      if (type !== 'counter' && !name.endsWith('_total')) continue;
      const increase = counterIncrease(previous, snapshot, name);
      if (increase !== undefined) totals.set(name, (totals.get(name) ?? 0) + increase);
    }
  });
  return Object.fromEntries(
    [...totals.entries()].filter(([, v]) => v > 0).sort(([a], [b]) => a.localeCompare(b)),
  );
}
