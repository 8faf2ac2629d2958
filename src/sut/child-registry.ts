/**
 * Every SUT process keystorm spawned, by PID. Each runs as the leader of its own process group
 * (spawned detached), so stopping it reaches whatever it started too (`npm start` → node).
 * These nets make sure no group outlives the harness:
 * - the harness's own 'exit' hook SIGKILLs the groups still running (uncaught error, process.exit);
 * - the reaper (src/process/reaper.ts) stops them when the harness dies without running any
 *   hook at all (SIGKILL, a crash of node itself);
 * - a record on disk (src/process/leftovers.ts) lets the next run stop them should the reaper
 *   have been killed too (see sweepLeftoversOnce());
 * - when a SUT's main process exits, what is left of its group is killed at once: debris of a
 *   SUT that is gone must not hold its port or outlive the run.
 * Only groups recorded here are ever signalled.
 */
import type { ChildProcess } from 'node:child_process';
import { RunRecord, sweepLeftovers } from '../process/leftovers.ts';
import { guardGroup, releaseGroup } from '../process/reaper.ts';

const running = new Set<ChildProcess>();
let hookInstalled = false;
let record: RunRecord | undefined;
let swept: Promise<void> | undefined;

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * Sends `signal` to the process group led by `child` (falls back to the PID alone when the child
 * leads no group). False when nothing was there to signal.
 */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): boolean {
  if (child.pid === undefined) return false;
  try {
    process.kill(-child.pid, signal);
    return true;
  } catch {
    return isRunning(child) && child.kill(signal);
  }
}

function killAllOnExit(): void {
  for (const child of running) {
    if (isRunning(child)) signalGroup(child, 'SIGKILL');
    if (child.pid !== undefined) record?.remove(child.pid);
  }
  running.clear();
}

/**
 * Before the first SUT of this process is spawned: stops the SUT groups that earlier runs,
 * killed outright, left running (only those provably theirs), and says so on stderr.
 */
export function sweepLeftoversOnce(): Promise<void> {
  swept ??= sweepLeftovers().then(
    (lines) => lines.forEach((line) => process.stderr.write(`keystorm: ${line}\n`)),
    () => undefined,
  );
  return swept;
}

/** Records a spawned child (the leader of its own process group) until it exits. */
export function trackChild(child: ChildProcess): void {
  if (!hookInstalled) {
    process.on('exit', killAllOnExit);
    hookInstalled = true;
  }
  const pid = child.pid;
  if (pid === undefined) return; // never started: nothing to track
  running.add(child);
  guardGroup(pid);
  record ??= new RunRecord();
  record.add(pid);
  child.once('exit', () => {
    running.delete(child);
    signalGroup(child, 'SIGKILL');
    releaseGroup(pid);
    record?.remove(pid);
  });
}

/** PIDs of tracked children still running (for tests and the interrupt path). */
export function trackedPids(): number[] {
  return [...running].filter(isRunning).flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
}
