/**
 * Holds a set of faults for a while, honouring each fault's window: applied at `window.start`,
 * reverted at `window.stop` (or left for the final rollback). Every wait is interruptible by
 * the ledger's signal; everything applied goes through the ledger, so an interruption at any
 * point leaves nothing behind once the caller rolls back.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultLedger } from './ledger.ts';
import type { ActiveFault, FaultContext, ValidFault } from './types.ts';

export interface HoldOptions {
  /** How long to hold, from the call, in ms. */
  durationMs: number;
  /** Called after each fault is applied / reverted on schedule. */
  onApplied?: (fault: ActiveFault) => void;
  onReverted?: (fault: ActiveFault) => void;
  /** Called once every fault whose window starts at 0 is in place. */
  onReady?: (faults: readonly ActiveFault[]) => void;
}

interface TimelineEvent {
  atMs: number;
  /** Applies sort before reverts at the same instant of *other* faults; stable otherwise. */
  order: number;
  run: () => Promise<void>;
}

/**
 * Applies, waits, reverts on schedule. Resolves after durationMs with the faults still active
 * (the caller's rollback reverts those); rejects on the first failed apply or when the ledger's
 * signal aborts (SIGINT/SIGTERM).
 */
export async function holdFaults(
  faults: readonly ValidFault[],
  ctx: FaultContext,
  ledger: FaultLedger,
  options: HoldOptions,
): Promise<ActiveFault[]> {
  const started = performance.now();
  const active = new Map<string, ActiveFault>();
  const events: TimelineEvent[] = [];
  faults.forEach((fault, index) => {
    const { startMs, stopMs } = fault.envelope.window;
    events.push({
      atMs: startMs,
      order: index,
      run: async () => {
        const applied = await ledger.apply(fault, ctx);
        active.set(fault.envelope.name, applied);
        options.onApplied?.(applied);
      },
    });
    if (stopMs !== undefined && stopMs < options.durationMs) {
      events.push({
        atMs: stopMs,
        order: faults.length + index,
        run: async () => {
          const applied = active.get(fault.envelope.name);
          if (applied === undefined) return;
          await applied.revert();
          active.delete(fault.envelope.name);
          options.onReverted?.(applied);
        },
      });
    }
  });
  events.sort((a, b) => a.atMs - b.atMs || a.order - b.order);

  let readySent = false;
  const sendReady = (): void => {
    if (readySent) return;
    readySent = true;
    options.onReady?.([...active.values()]);
  };
  for (const event of events) {
    if (event.atMs > 0) sendReady();
    await waitUntil(started + event.atMs, ledger.signal);
    await event.run();
  }
  sendReady();
  await waitUntil(started + options.durationMs, ledger.signal);
  return [...active.values()];
}

async function waitUntil(deadline: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  const ms = deadline - performance.now();
  if (ms > 0) await sleep(ms, undefined, { signal });
}
