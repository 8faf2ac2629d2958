/**
 * Every SUT process keystorm spawned, by PID, so that a harness that dies (an uncaught error,
 * process.exit) still kills them: one 'exit' hook SIGKILLs whatever is still running.
 * Only PIDs recorded here are ever signalled. A harness killed by SIGKILL runs no hook at all;
 * its children then see their stdout pipe close and are on their own.
 */
import type { ChildProcess } from 'node:child_process';

const running = new Set<ChildProcess>();
let hookInstalled = false;

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function killAllOnExit(): void {
  for (const child of running) {
    if (child.pid !== undefined && isRunning(child)) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // Already gone between the check and the kill.
      }
    }
  }
  running.clear();
}

/** Records a spawned child until it exits. */
export function trackChild(child: ChildProcess): void {
  if (!hookInstalled) {
    process.on('exit', killAllOnExit);
    hookInstalled = true;
  }
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/** PIDs of tracked children still running (for tests and the interrupt path). */
export function trackedPids(): number[] {
  return [...running].filter(isRunning).flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
}
