/**
 * How often a process has been woken up (its context switches, from /proc/<pid>/status).
 * A shell blocked in wait() for its only child wakes for nothing but a signal or that child's
 * change of state, so a change in this count while the child runs on means "it got a signal".
 */
import { readFileSync } from 'node:fs';

/** Voluntary plus involuntary context switches of `pid`; undefined without /proc. */
export function wakeupsOf(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const count = (name: string): number =>
      Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    const total = count('voluntary_ctxt_switches') + count('nonvoluntary_ctxt_switches');
    return Number.isFinite(total) ? total : undefined;
  } catch {
    return undefined;
  }
}
