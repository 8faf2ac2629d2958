/**
 * keystorm's load phases (engine shape, run-time ms) as k6 `scenarios`: one k6 scenario per
 * phase that sends requests, started at the phase's offset on the same timeline keystorm plays.
 * Open-model phases keep their arrival rates (k6 counts the starts it cannot make in
 * `dropped_iterations`, as keystorm counts `dropped_starts`); a burst is every request of the
 * phase released at once by as many VUs; a pause only moves the next phase's start.
 */
import type { PhaseInput as EnginePhase } from '../../load/phases.ts';

/** A burst without a reserved slot plays as if it took this long (as the scenario budget counts it). */
export const BURST_DEFAULT_SLOT_MS = 1000;

/** What the exported executors need besides the phases. */
export interface ExecutorSettings {
  /** Most requests in flight (keystorm's connection cap): the VUs each arrival phase may use. */
  maxVUs: number;
  /** Deadline of one request: the grace a phase's last requests get to finish (`gracefulStop`). */
  requestTimeoutMs: number;
}

/** One k6 scenario: its key in `options.scenarios`, the keystorm phase it plays and its config. */
export interface K6Scenario {
  key: string;
  phase: string;
  startMs: number;
  config: Record<string, unknown>;
}

/** A duration as k6 writes it (`10s`, `1500ms`). */
export function k6Duration(ms: number): string {
  const rounded = Math.max(0, Math.round(ms));
  return rounded % 1000 === 0 ? `${rounded / 1000}s` : `${rounded}ms`;
}

/**
 * k6 rates are whole iterations per `timeUnit`: the shortest unit (1 s, 10 s, 100 s, 1000 s)
 * that makes every rate of a phase whole keeps it exact (0.5/s is 5 per 10s).
 */
export function rateUnit(rates: readonly number[]): { unitS: number; scale: (rate: number) => number } {
  for (const unitS of [1, 10, 100, 1000]) {
    if (rates.every((r) => Math.abs(r * unitS - Math.round(r * unitS)) < 1e-9))
      return { unitS, scale: (r) => Math.round(r * unitS) };
  }
  return { unitS: 1000, scale: (r) => Math.round(r * 1000) };
}

/** A k6 scenario name: letters, digits, `_` and `-` only (k6 refuses others). */
export function scenarioKey(phase: string, index: number, taken: ReadonlySet<string>): string {
  const base = phase.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 100) || `phase_${index}`;
  return taken.has(base) ? `${base}_${index}` : base;
}

/** How long a phase holds the timeline before the next one starts (ms). */
export function slotMs(phase: EnginePhase): number {
  if (phase.type === 'burst') return toMs(phase.duration ?? BURST_DEFAULT_SLOT_MS);
  if (phase.type === 'ramping-arrival') return phase.stages.reduce((t, s) => t + toMs(s.duration), 0);
  return toMs(phase.duration);
}

function toMs(value: string | number): number {
  if (typeof value !== 'number') throw new TypeError(`phase duration must be in ms here (got ${value})`);
  return value;
}

/** The phases as k6 scenarios (pauses produce none), each starting where the previous slot ended. */
export function toK6Scenarios(phases: readonly EnginePhase[], settings: ExecutorSettings): K6Scenario[] {
  const out: K6Scenario[] = [];
  const taken = new Set<string>();
  let startMs = 0;
  phases.forEach((phase, index) => {
    const config = executorOf(phase, settings);
    if (config !== undefined) {
      const name = phase.name ?? `${phase.type}#${index}`;
      const key = scenarioKey(name, index, taken);
      taken.add(key);
      out.push({
        key,
        phase: name,
        startMs,
        config: { ...config, startTime: k6Duration(startMs), tags: { phase: name } },
      });
    }
    startMs += slotMs(phase);
  });
  return out;
}

/** The executor of one phase, without startTime and tags; undefined for a pause. */
function executorOf(phase: EnginePhase, s: ExecutorSettings): Record<string, unknown> | undefined {
  const gracefulStop = k6Duration(s.requestTimeoutMs);
  switch (phase.type) {
    case 'pause':
      return undefined;
    case 'burst':
      // Every VU sends one request at the phase start: the burst's simultaneous release.
      return {
        executor: 'shared-iterations',
        vus: phase.count,
        iterations: phase.count,
        maxDuration: k6Duration(slotMs(phase) + s.requestTimeoutMs),
        gracefulStop,
      };
    case 'closed':
      return phase.maxRequests === undefined
        ? {
            executor: 'constant-vus',
            vus: phase.vus,
            duration: k6Duration(toMs(phase.duration)),
            gracefulStop,
          }
        : {
            executor: 'shared-iterations',
            vus: phase.vus,
            iterations: phase.maxRequests,
            maxDuration: k6Duration(toMs(phase.duration)),
            gracefulStop,
          };
    case 'constant-arrival': {
      const unit = rateUnit([phase.rate]);
      return {
        executor: 'constant-arrival-rate',
        rate: unit.scale(phase.rate),
        timeUnit: k6Duration(unit.unitS * 1000),
        duration: k6Duration(toMs(phase.duration)),
        preAllocatedVUs: s.maxVUs,
        maxVUs: s.maxVUs,
        gracefulStop,
      };
    }
    case 'ramping-arrival': {
      const unit = rateUnit([phase.startRate ?? 0, ...phase.stages.map((st) => st.target)]);
      return {
        executor: 'ramping-arrival-rate',
        startRate: unit.scale(phase.startRate ?? 0),
        timeUnit: k6Duration(unit.unitS * 1000),
        stages: phase.stages.map((st) => ({
          target: unit.scale(st.target),
          duration: k6Duration(toMs(st.duration)),
        })),
        preAllocatedVUs: s.maxVUs,
        maxVUs: s.maxVUs,
        gracefulStop,
      };
    }
  }
}
