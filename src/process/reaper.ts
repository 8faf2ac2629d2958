/**
 * The harness side of the reaper: a tiny process that outlives a harness killed by SIGKILL just
 * long enough to stop the SUT process groups the harness guarded (see reaper-script.ts). It is
 * started lazily, in its own session (a Ctrl-C to the terminal's process group does not reach
 * it) and never keeps the harness alive.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import { REAPER_SOURCE } from './reaper-script.ts';

/** Time the SUT gets between the reaper's SIGTERM and its SIGKILL. */
const REAPER_GRACE_MS = 2000;

let reaper: { child: ChildProcess; stdin: Writable } | undefined;
let unavailable = false;

function startReaper(): typeof reaper {
  // Windows has no process groups to signal: the harness's own exit hook is all there is.
  if (reaper !== undefined || unavailable || process.platform === 'win32') return reaper;
  try {
    const child = spawn(process.execPath, ['-e', REAPER_SOURCE, String(REAPER_GRACE_MS)], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
    const stdin = child.stdin;
    if (stdin === null) throw new Error('no stdin pipe');
    // A reaper that cannot be written to only costs us the SIGKILL guarantee, never the run.
    stdin.on('error', () => undefined);
    child.on('error', (error) => warnUnavailable(error.message));
    child.once('exit', () => {
      reaper = undefined;
    });
    child.unref();
    (stdin as Writable & { unref?: () => void }).unref?.();
    reaper = { child, stdin };
  } catch (error) {
    warnUnavailable(error instanceof Error ? error.message : String(error));
  }
  return reaper;
}

function warnUnavailable(why: string): void {
  if (unavailable) return;
  unavailable = true;
  reaper = undefined;
  process.stderr.write(
    `keystorm: warning: cannot start the reaper (${why}); a SUT may outlive a harness killed by SIGKILL\n`,
  );
}

/** Asks the reaper to stop process group `pgid` should the harness die without doing so. */
export function guardGroup(pgid: number): void {
  startReaper()?.stdin.write(`+${pgid}\n`);
}

/** The group is gone (or stopped by the harness itself): forget it. */
export function releaseGroup(pgid: number): void {
  reaper?.stdin.write(`-${pgid}\n`);
}

/** The reaper's PID while it runs (for tests and diagnostics). */
export function reaperPid(): number | undefined {
  return reaper?.child.pid;
}
