/**
 * The parts of a scenario only keystorm plays or judges, which the k6 script leaves out but
 * names in its header: browser journeys (k6 sends HTTP load only; exporting must not need
 * Chromium) and the alerts a drill expects to fire or to stay silent.
 */
import type { ScenarioInput } from '../../scenario/define.ts';

/** The scenario without its journeys (as loose input: not validated yet), and a line per journey. */
export function withoutJourneys(scenario: unknown): { scenario: unknown; lines: string[] } {
  if (typeof scenario !== 'object' || scenario === null || !('journeys' in scenario))
    return { scenario, lines: [] };
  const { journeys, ...rest } = scenario as { journeys?: unknown };
  const lines = (Array.isArray(journeys) ? journeys : []).map((j: unknown) => {
    const { spec, every } = (j ?? {}) as { spec?: unknown; every?: unknown };
    return `browser journey ${String(spec)} every ${String(every)} (keystorm runs it)`;
  });
  return { scenario: rest, lines };
}

/** A line per alert the scenario expects to fire or to stay silent (judged by keystorm). */
export function alertLines(scenario: ScenarioInput): { slo: string; reason: string }[] {
  const fire = Object.entries(scenario.expectAlerts ?? {}).map(([name, { within }]) => ({
    slo: `alert ${name} fires within ${within}`,
    reason: 'Prometheus rules over the series keystorm scrapes',
  }));
  const silent = (scenario.silentAlerts ?? []).map((name) => ({
    slo: `alert ${name} stays silent`,
    reason: 'Prometheus rules over the series keystorm scrapes',
  }));
  return [...fire, ...silent];
}
