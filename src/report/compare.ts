/**
 * Two runs side by side, as a pre-release gate reviewer reads them: which scenario verdicts and
 * SLO verdicts changed, and which headline figures moved by more than noise.
 */
import type { RunResult, ScenarioResult } from '../result/types.ts';
import { timeToRecoverMs } from './health.ts';

/** A figure has moved when it changed by at least this share of the old value … */
export const MOVED_SHARE = 0.2;

export interface VerdictChange {
  scenario: string;
  /** `absent` when the scenario is only in one of the runs. */
  from: string;
  to: string;
}

export interface SloChange {
  scenario: string;
  slo: string;
  from: string;
  to: string;
  observedFrom: number | null;
  observedTo: number | null;
}

export interface FigureMove {
  scenario: string;
  figure: string;
  unit: 'ms' | 'count' | 'share';
  from: number | null;
  to: number | null;
  /** Higher is worse for every figure compared here. */
  worse: boolean;
}

export interface Comparison {
  old: { startedAt: string; status: string };
  now: { startedAt: string; status: string };
  verdicts: VerdictChange[];
  slos: SloChange[];
  figures: FigureMove[];
}

interface Figure {
  name: string;
  unit: FigureMove['unit'];
  /** … and by at least this much in absolute terms. */
  floor: number;
  read: (s: ScenarioResult) => number | null;
}

const FIGURES: readonly Figure[] = [
  { name: 'p95 (corrected)', unit: 'ms', floor: 20, read: (s) => s.load.corrected.p95 },
  {
    name: 'unexpected share',
    unit: 'share',
    floor: 0.001,
    read: (s) => (s.load.requests === 0 ? null : s.load.unexpected / s.load.requests),
  },
  { name: 'JWKS fetches', unit: 'count', floor: 2, read: (s) => s.idp.jwksFetches },
  {
    name: 'peak concurrent JWKS fetches',
    unit: 'count',
    floor: 1,
    read: (s) => s.idp.peakConcurrentJwksFetches,
  },
  { name: 'dropped starts', unit: 'count', floor: 1, read: (s) => s.load.droppedStarts },
  {
    name: 'time to recover',
    unit: 'ms',
    floor: 500,
    read: (s) => {
      const ttr = timeToRecoverMs(s);
      return ttr === undefined ? null : ttr === null ? s.durationMs : ttr;
    },
  },
];

export function compareRuns(old: RunResult, now: RunResult): Comparison {
  const before = new Map(old.scenarios.map((s) => [s.name, s]));
  const after = new Map(now.scenarios.map((s) => [s.name, s]));
  const names = [...new Set([...after.keys(), ...before.keys()])];
  const verdicts: VerdictChange[] = [];
  const slos: SloChange[] = [];
  const figures: FigureMove[] = [];
  for (const name of names) {
    const a = before.get(name);
    const b = after.get(name);
    if (a?.status !== b?.status)
      verdicts.push({ scenario: name, from: a?.status ?? 'absent', to: b?.status ?? 'absent' });
    if (a === undefined || b === undefined) continue;
    slos.push(...sloChanges(a, b));
    figures.push(...figureMoves(a, b));
  }
  return {
    old: { startedAt: old.startedAt, status: old.status },
    now: { startedAt: now.startedAt, status: now.status },
    verdicts,
    slos,
    figures,
  };
}

function sloChanges(a: ScenarioResult, b: ScenarioResult): SloChange[] {
  const old = new Map(a.slos.map((v) => [v.id, v]));
  const ids = new Set([...b.slos.map((v) => v.id), ...old.keys()]);
  const now = new Map(b.slos.map((v) => [v.id, v]));
  const changes: SloChange[] = [];
  for (const id of ids) {
    const x = old.get(id);
    const y = now.get(id);
    if (x?.status === y?.status) continue;
    changes.push({
      scenario: b.name,
      slo: id,
      from: x?.status ?? 'absent',
      to: y?.status ?? 'absent',
      observedFrom: x?.observed ?? null,
      observedTo: y?.observed ?? null,
    });
  }
  return changes;
}

function figureMoves(a: ScenarioResult, b: ScenarioResult): FigureMove[] {
  const moves: FigureMove[] = [];
  for (const f of FIGURES) {
    const from = f.read(a);
    const to = f.read(b);
    if (from === null && to === null) continue;
    if (from !== null && to !== null) {
      const delta = Math.abs(to - from);
      if (delta < f.floor || delta < Math.abs(from) * MOVED_SHARE) continue;
    }
    moves.push({ scenario: b.name, figure: f.name, unit: f.unit, from, to, worse: (to ?? 0) > (from ?? 0) });
  }
  return moves;
}
