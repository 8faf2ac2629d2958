/**
 * The processes npm puts between the user's command and keystorm. `npx keystorm …` and
 * `npm run …` run us as `npm exec` → `sh -c '<bin>' …` → node; for stopping, those two are
 * transparent: what counts is the process that started npm.
 */
import { basename } from 'node:path';
import { commandLineOf, parentOf } from './proc-info.ts';

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ash', 'busybox']);

/** True for a `sh -c …` (the shell npm's run-script starts a bin or script through). */
function isShellDashC(pid: number): boolean {
  const argv = commandLineOf(pid);
  return argv !== undefined && SHELLS.has(basename(argv[0] ?? '')) && argv[1] === '-c';
}

/** True for npm itself (it renames its process `npm exec …` / `npm run …`). */
function isNpm(pid: number): boolean {
  const argv = commandLineOf(pid) ?? [];
  return /^npm(\s|$)/.test(argv[0] ?? '') || /[/\\]np[mx]-cli\.js$/.test(argv[1] ?? '');
}

export interface NpmWrappers {
  /** npm's `sh -c`, our parent (absent when the shell exec'd us: then npm is our parent). */
  shell?: number;
  npm: number;
}

/** npm's processes above us, or undefined when npm did not start us (or /proc is missing). */
export function npmWrappers(): NpmWrappers | undefined {
  // npm's run-script sets npm_lifecycle_event for every bin and script it runs.
  if (process.env.npm_lifecycle_event === undefined) return undefined;
  const parent = process.ppid;
  if (isNpm(parent)) return { npm: parent };
  if (!isShellDashC(parent)) return undefined;
  const grandparent = parentOf(parent);
  return grandparent !== undefined && isNpm(grandparent) ? { shell: parent, npm: grandparent } : undefined;
}
