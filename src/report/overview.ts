/**
 * The run overview: one row per scenario, its verdict placed in a column of its own, and what
 * made it so (breached SLOs, unmet premises, failed alerts, the harness error) named.
 */
import type { RunResult, ScenarioStatus } from '../result/types.ts';
import { causesOf } from './incident.ts';

/** The verdict columns of the overview, most reassuring first. */
export const VERDICT_COLUMNS: readonly ScenarioStatus[] = [
  'passed',
  'failed',
  'inconclusive',
  'skipped',
  'error',
  'interrupted',
];

export interface OverviewRow {
  scenario: string;
  status: ScenarioStatus;
  causes: string[];
}

export function overviewRows(run: Pick<RunResult, 'scenarios'>): OverviewRow[] {
  return run.scenarios.map((s) => ({ scenario: s.name, status: s.status, causes: causesOf(s) }));
}

/** Verdict columns to show: the five everyday ones, `interrupted` only when a scenario was. */
export function shownColumns(rows: readonly OverviewRow[]): ScenarioStatus[] {
  return VERDICT_COLUMNS.filter((c) => c !== 'interrupted' || rows.some((r) => r.status === c));
}
