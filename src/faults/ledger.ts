/**
 * The rollback you can trust. A FaultLedger records everything a run changed — each applied
 * fault, each proxy it created — and undoes all of it, newest first, each undo isolated and
 * bounded in time, on normal end, on error and on SIGINT/SIGTERM. What it cannot undo (a
 * SIGKILLed process) is covered elsewhere: mock-idp faults carry a TTL, and the run's proxies
 * are named after its pid so the next run sweeps them (sweepStaleProxies).
 */
import { HarnessError } from '../errors.ts';
import type { ProxyAdapter, ProxyInput } from '../proxy/adapter.ts';
import { applyFault, messageOf } from './registry.ts';
import type { ActiveFault, FaultContext, RunProxy } from './types.ts';

/** Default bound of one undo (an adapter call has its own, shorter deadline). */
export const DEFAULT_REVERT_TIMEOUT_MS = 10_000;

export interface RollbackStep {
  label: string;
  ok: boolean;
  ms: number;
  error?: string;
}

export interface RollbackReport {
  /** True when every undo succeeded. */
  ok: boolean;
  /** In the order they ran (newest change first). */
  steps: RollbackStep[];
  /** Set when the rollback was started by a signal. */
  signal?: NodeJS.Signals;
}

export type LedgerEvent =
  | { type: 'recorded'; label: string }
  | { type: 'reverted'; label: string; ms: number }
  | { type: 'revert-failed'; label: string; error: string }
  | { type: 'signal'; signal: NodeJS.Signals; repeated: boolean };

export interface FaultLedgerOptions {
  /** Bound of each undo in ms (default 10 000). */
  revertTimeoutMs?: number;
  /** Progress for logs; must not throw. */
  onEvent?: (event: LedgerEvent) => void;
}

interface Entry {
  id: number;
  label: string;
  undo: () => Promise<unknown>;
}

export class FaultLedger {
  readonly revertTimeoutMs: number;
  private readonly entries: Entry[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  /** Undos of changes that landed after the rollback started (run at once, awaited by it). */
  private readonly late = new Set<Promise<RollbackStep>>();
  private readonly onEvent: (event: LedgerEvent) => void;
  private readonly abort = new AbortController();
  private nextId = 1;
  private rollingBack: Promise<RollbackReport> | undefined;
  private interruptedBy: NodeJS.Signals | undefined;

  constructor(options: FaultLedgerOptions = {}) {
    this.revertTimeoutMs = options.revertTimeoutMs ?? DEFAULT_REVERT_TIMEOUT_MS;
    const onEvent = options.onEvent;
    this.onEvent = (event) => {
      try {
        onEvent?.(event);
      } catch {
        // A broken logger must not break a rollback.
      }
    };
  }

  /** Aborted when a signal arrives or the rollback starts: long waits should listen to it. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** The signal that interrupted the run, if any (the caller then exits with 130). */
  get interrupted(): NodeJS.Signals | undefined {
    return this.interruptedBy;
  }

  /** True once rollback() started: nothing new may be applied. */
  get closed(): boolean {
    return this.rollingBack !== undefined;
  }

  /** Labels of what is still to be undone, newest last. */
  get outstanding(): string[] {
    return this.entries.map((e) => e.label);
  }

  /**
   * Records an undo. Returns a function that runs it now and forgets it (for faults reverted
   * on schedule before the end). Throws ERR_INTERRUPTED after rollback started — and runs the
   * undo right away, so a change that completes during a rollback is not left behind.
   */
  record(label: string, undo: () => Promise<unknown>): () => Promise<void> {
    if (this.closed) {
      this.late.add(this.runBounded({ id: 0, label, undo }));
      throw new HarnessError('ERR_INTERRUPTED', `${label}: the run is rolling back; undone immediately`);
    }
    const entry: Entry = { id: this.nextId++, label, undo };
    this.entries.push(entry);
    this.onEvent({ type: 'recorded', label });
    return async () => {
      const index = this.entries.indexOf(entry);
      if (index === -1) return; // already undone by the rollback
      this.entries.splice(index, 1);
      const step = await this.runBounded(entry);
      if (!step.ok) {
        // Keep it on the books so the final rollback tries again (unless that already ran).
        if (!this.closed) this.entries.splice(Math.min(index, this.entries.length), 0, entry);
        throw new HarnessError('ERR_FAULT_REVERT', `${label}: ${step.error ?? 'failed'}`);
      }
    };
  }

  /**
   * Applies a fault and records its revert. The returned fault's revert() also removes it from
   * the ledger. Interrupted mid-apply: the fault is reverted as soon as it lands.
   */
  async apply(spec: unknown, ctx: FaultContext): Promise<ActiveFault> {
    this.assertOpen('apply a fault');
    const active = await this.track(applyFault(spec, ctx));
    const undo = this.record(`revert fault ${active.name} (${active.kind})`, () => active.revert());
    return {
      ...describe(active),
      revert: undo,
      get reverted() {
        return active.reverted;
      },
    };
  }

  /**
   * Creates a proxy for the run, named `keystorm-<pid>-<alias>` so a later run can tell it was
   * left behind by a dead process, and records its deletion.
   */
  async createProxy(
    adapter: ProxyAdapter,
    input: Omit<ProxyInput, 'name'> & { alias: string },
  ): Promise<RunProxy> {
    this.assertOpen('create a proxy');
    const name = runProxyName(input.alias);
    const { alias, ...rest } = input;
    const state = await this.track(adapter.createProxy({ ...rest, name }));
    this.record(`delete proxy ${name}`, () => adapter.deleteProxy(name));
    return { alias, name: state.name, listen: state.listen, upstream: state.upstream };
  }

  /**
   * Undoes everything, newest first. Each undo is isolated (one failure does not stop the
   * others) and bounded by revertTimeoutMs. Waits (bounded) for applies still in flight first.
   * Idempotent: later calls return the same report.
   */
  rollback(): Promise<RollbackReport> {
    this.rollingBack ??= this.runRollback();
    return this.rollingBack;
  }

  /**
   * Installs SIGINT/SIGTERM handlers for as long as the run lasts: a signal aborts `signal`,
   * starts the rollback and calls `onInterrupt` (where the caller arranges exit code 130).
   * Repeated signals are reported and otherwise ignored: the rollback is already bounded.
   * Returns the function that removes the handlers.
   */
  watchSignals(onInterrupt?: (signal: NodeJS.Signals) => void): () => void {
    const handler = (signal: NodeJS.Signals): void => {
      const repeated = this.interruptedBy !== undefined;
      this.onEvent({ type: 'signal', signal, repeated });
      if (repeated) return;
      this.interruptedBy = signal;
      this.abort.abort(new HarnessError('ERR_INTERRUPTED', `interrupted by ${signal}`));
      void this.rollback();
      onInterrupt?.(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    return () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    };
  }

  private assertOpen(what: string): void {
    if (this.closed) throw new HarnessError('ERR_INTERRUPTED', `cannot ${what}: the run is rolling back`);
  }

  /** Keeps an in-flight change visible to rollback(), which waits for it before undoing. */
  private async track<T>(operation: Promise<T>): Promise<T> {
    this.pending.add(operation);
    try {
      return await operation;
    } finally {
      this.pending.delete(operation);
    }
  }

  private async runRollback(): Promise<RollbackReport> {
    if (!this.abort.signal.aborted) {
      this.abort.abort(new HarnessError('ERR_INTERRUPTED', 'the run is rolling back'));
    }
    // Applies in flight record their undo when they land; wait for them (bounded) so they are
    // part of this rollback rather than racing it.
    if (this.pending.size > 0) {
      await withTimeout(Promise.allSettled([...this.pending]), this.revertTimeoutMs).catch(() => undefined);
      // Let the landed applies' continuations run (and record their undo) before we look.
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Changes that landed after the start are the newest: their undos (already running) first.
    const steps: RollbackStep[] = await this.drainLate();
    while (this.entries.length > 0) {
      const entry = this.entries.pop();
      if (entry !== undefined) steps.push(await this.runBounded(entry));
    }
    steps.push(...(await this.drainLate()));
    const report: RollbackReport = { ok: steps.every((s) => s.ok), steps };
    if (this.interruptedBy !== undefined) report.signal = this.interruptedBy;
    return report;
  }

  private async drainLate(): Promise<RollbackStep[]> {
    const running = [...this.late];
    this.late.clear();
    return Promise.all(running);
  }

  private async runBounded(entry: Entry): Promise<RollbackStep> {
    const started = performance.now();
    try {
      await withTimeout(Promise.resolve().then(entry.undo), this.revertTimeoutMs);
      const ms = performance.now() - started;
      this.onEvent({ type: 'reverted', label: entry.label, ms });
      return { label: entry.label, ok: true, ms };
    } catch (error) {
      const ms = performance.now() - started;
      const text = messageOf(error);
      this.onEvent({ type: 'revert-failed', label: entry.label, error: text });
      return { label: entry.label, ok: false, ms, error: text };
    }
  }
}

/** Rejects with ERR_TIMEOUT when `promise` is not settled within `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HarnessError('ERR_TIMEOUT', `did not finish within ${ms}ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function describe(active: ActiveFault): Omit<ActiveFault, 'revert' | 'reverted'> {
  return {
    name: active.name,
    kind: active.kind,
    family: active.family,
    appliedAt: active.appliedAt,
    detail: active.detail,
  };
}

/** Prefix of every proxy a keystorm run creates. */
export const RUN_PROXY_PREFIX = 'keystorm-';

/** `keystorm-<pid>-<alias>`: the pid tells a later run whether the owner is still alive. */
export function runProxyName(alias: string, pid = process.pid): string {
  return `${RUN_PROXY_PREFIX}${pid}-${alias.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

/**
 * Deletes proxies left by keystorm runs whose process is gone (a SIGKILL leaves them behind).
 * Only meaningful when the Toxiproxy server sees the same process table, i.e. runs on this
 * host; proxies of live processes and proxies not named by keystorm are never touched.
 * Returns the names deleted.
 */
export async function sweepStaleProxies(
  adapter: ProxyAdapter,
  isAlive: (pid: number) => boolean = processIsAlive,
): Promise<string[]> {
  const removed: string[] = [];
  for (const proxy of await adapter.listProxies()) {
    const match = /^keystorm-(\d+)-/.exec(proxy.name);
    if (match === null) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || isAlive(pid)) continue;
    if (await adapter.deleteProxy(proxy.name)) removed.push(proxy.name);
  }
  return removed;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
