/**
 * Stops one child we spawned: SIGTERM to its process group (the child and whatever it started),
 * SIGKILL to the group when the child has not exited after `stopTimeoutMs`. Both waits are
 * bounded, so stopping never hangs the harness.
 */
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { HarnessError } from '../errors.ts';
import { signalGroup } from './child-registry.ts';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StopResult extends ExitInfo {
  /** True when SIGTERM was not enough and SIGKILL was sent. */
  killed: boolean;
}

/** How long we wait after SIGKILL before declaring the process unkillable. */
const KILL_GRACE_MS = 5000;

/** Resolves when `child` has exited (at once when it already has). */
export function exited(child: ChildProcess): Promise<ExitInfo> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  // Not events.once: it rejects on 'error', and a spawn error is reported by the caller.
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

async function exitedWithin(child: ChildProcess, ms: number): Promise<ExitInfo | undefined> {
  const controller = new AbortController();
  try {
    return await Promise.race([
      exited(child),
      sleep(ms, undefined, { signal: controller.signal }).then(
        () => undefined,
        () => undefined,
      ),
    ]);
  } finally {
    controller.abort();
  }
}

export async function stopChild(child: ChildProcess, stopTimeoutMs: number): Promise<StopResult> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return { code: child.exitCode, signal: child.signalCode, killed: false };
  }
  signalGroup(child, 'SIGTERM');
  const gentle = await exitedWithin(child, stopTimeoutMs);
  if (gentle !== undefined) return { ...gentle, killed: false };
  signalGroup(child, 'SIGKILL');
  const forced = await exitedWithin(child, KILL_GRACE_MS);
  if (forced === undefined) {
    throw new HarnessError(
      'ERR_TIMEOUT',
      `process ${child.pid} did not exit ${KILL_GRACE_MS}ms after SIGKILL`,
    );
  }
  return { ...forced, killed: true };
}
