/**
 * Turns a configured SUT command into what `spawn` needs without ever running a shell between
 * us and the SUT: the PID we hold must be the SUT's own, so SIGTERM reaches it and we never
 * signal anything we did not start.
 */
import { basename } from 'node:path';

export interface CommandLine {
  file: string;
  args: string[];
}

/**
 * - An array is used as is (`['node', 'server.js']`); a leading `node` becomes this Node binary
 *   (`process.execPath`) so the SUT runs on the harness's Node version.
 * - A string runs through `/bin/sh -c 'exec …'`: shell quoting and `$VARS` work, and `exec`
 *   makes the shell replace itself with the program, so the PID is still the program's.
 *   Compound commands (`a && b`) are not supported that way; wrap them in a script.
 */
export function toCommandLine(command: string | readonly string[]): CommandLine {
  if (typeof command === 'string') {
    const trimmed = command.trim();
    if (trimmed === '') throw new TypeError('sut.command: must not be empty');
    return { file: '/bin/sh', args: ['-c', `exec ${trimmed}`] };
  }
  const [first, ...rest] = command;
  if (first === undefined || first === '') throw new TypeError('sut.command: must not be empty');
  const file = basename(first) === 'node' && !first.includes('/') ? process.execPath : first;
  return { file, args: rest };
}
