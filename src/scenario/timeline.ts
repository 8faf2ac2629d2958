/**
 * Plays a scenario's timeline next to the load: actions at their offsets, faults applied at
 * `from` and reverted at `to`. Every event runs in its own task at its own time, so a slow
 * action (a readiness check that waits) never delays the next one. Faults go through the run's
 * FaultLedger, so an interruption at any moment still rolls every one of them back.
 */
import type { FaultLedger } from '../faults/ledger.ts';
import type { ActiveFault, FaultContext } from '../faults/types.ts';
import { parseDuration } from '../util/duration.ts';
import type { TimelineEntry, WindowSpan } from '../result/types.ts';
import { describeAction, runAction } from './actions.ts';
import type { ActionContext } from './actions.ts';
import type { ActionInput, TimelineFault, TimelineItem } from './define.ts';
import { isFaultItem } from './define.ts';

export interface TimelineOptions {
  items: readonly TimelineItem[];
  /** Faults already applied before the SUT started (scenario `beforeStart`), reverted at their `to`. */
  preApplied: readonly { item: TimelineFault; fault: ActiveFault }[];
  /** Drill time → run time. */
  scale: (ms: number) => number;
  ledger: FaultLedger;
  faultContext: FaultContext;
  actionContext: ActionContext;
  elapsedMs: () => number;
  onEntry: (entry: TimelineEntry) => void;
  signal: AbortSignal;
}

export interface PlayingTimeline {
  /** Names of the faults in force right now (for progress lines). */
  activeFaults(): string[];
  /** Fault spans as they happened (open ones closed at `nowMs`). */
  windows(nowMs: number): WindowSpan[];
  /** Reverts what is still applied and waits for running actions (bounded). */
  finish(): Promise<void>;
}

/** Applies a scenario's `beforeStart` faults now (before the SUT starts). */
export async function applyBeforeStart(
  items: readonly TimelineFault[],
  ledger: FaultLedger,
  faultContext: FaultContext,
): Promise<{ item: TimelineFault; fault: ActiveFault }[]> {
  const applied = [];
  for (const item of items) {
    applied.push({ item, fault: await ledger.apply(item.fault, faultContext) });
  }
  return applied;
}

export function playTimeline(options: TimelineOptions): PlayingTimeline {
  const { scale, ledger, signal } = options;
  const active = new Map<string, { fault: ActiveFault; fromMs: number }>();
  const spans: WindowSpan[] = [];
  const tasks = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  const entry = (what: string, ok: boolean, detail?: string, lateMs?: number): void =>
    options.onEntry({
      atMs: Math.round(options.elapsedMs()),
      what,
      ok,
      ...(detail === undefined ? {} : { detail }),
      ...(lateMs === undefined ? {} : { lateMs: Math.round(lateMs) }),
    });

  /** Runs `run` at `ms`; it learns how late it started (timer slack, a busy event loop, a slow step before it). */
  const at = (ms: number, run: (lateness: () => number) => Promise<void>): void => {
    const delay = Math.max(0, ms - options.elapsedMs());
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (signal.aborted) return;
      const task = run(() => Math.max(0, options.elapsedMs() - ms)).finally(() => tasks.delete(task));
      tasks.add(task);
    }, delay);
    timers.add(timer);
  };

  const revert = async (name: string): Promise<void> => {
    const held = active.get(name);
    if (held === undefined) return;
    active.delete(name);
    spans.push({ name, kind: 'fault', fromMs: held.fromMs, toMs: Math.round(options.elapsedMs()) });
    try {
      await held.fault.revert();
      entry(`fault ${name} reverted`, true);
    } catch (error) {
      entry(`fault ${name} revert failed`, false, messageOf(error));
    }
  };

  for (const pre of options.preApplied) {
    const name = pre.item.fault.name;
    active.set(name, { fault: pre.fault, fromMs: 0 });
    if (pre.item.to !== undefined) at(scale(parseDuration(pre.item.to, 'to')), () => revert(name));
  }

  // Actions written at the same offset run one after another, in the order written (e.g.
  // change the claims, then make every client refresh): concurrent tasks could race.
  const actionGroups = new Map<number, ActionInput[]>();
  for (const item of options.items) {
    if (isFaultItem(item)) continue;
    const atMs = scale(parseDuration(item.at, 'at'));
    actionGroups.set(atMs, [...(actionGroups.get(atMs) ?? []), item.action]);
  }
  for (const [atMs, actions] of actionGroups) {
    at(atMs, async (lateness) => {
      for (const action of actions) {
        const what = describeAction(action);
        // Lateness is measured when the action has taken effect (keys rotated, every client
        // refreshed): that is when the drill's premise holds, and a slow step delays it.
        // A readiness check waits on purpose (its `within`): its lateness is when it began.
        const began = lateness();
        const late = (): number => (action.kind === 'check-ready' ? began : lateness());
        try {
          const detail = await runAction(action, options.actionContext);
          entry(what, true, detail, late());
        } catch (error) {
          entry(what, false, messageOf(error), late());
        }
      }
    });
  }

  for (const item of options.items) {
    if (isFaultItem(item)) {
      const name = item.fault.name;
      at(scale(parseDuration(item.from, 'from')), async (lateness) => {
        try {
          const fault = await ledger.apply(item.fault, options.faultContext);
          // The fault's window opens once it is in force, not when applying began.
          active.set(name, { fault, fromMs: Math.round(options.elapsedMs()) });
          entry(`fault ${name} applied`, true, item.fault.kind, lateness());
        } catch (error) {
          entry(`fault ${name} could not be applied`, false, messageOf(error), lateness());
        }
      });
      if (item.to !== undefined) at(scale(parseDuration(item.to, 'to')), () => revert(name));
    }
  }

  return {
    activeFaults: () => [...active.keys()],
    windows: (nowMs) => [
      ...spans,
      ...[...active.entries()].map(([name, held]): WindowSpan => ({
        name,
        kind: 'fault',
        fromMs: held.fromMs,
        toMs: nowMs,
      })),
    ],
    async finish() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.race([
        Promise.allSettled([...tasks]),
        new Promise((resolve) => setTimeout(resolve, 10_000).unref()),
      ]);
      for (const name of [...active.keys()]) await revert(name);
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
