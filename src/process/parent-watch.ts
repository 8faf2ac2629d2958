/**
 * Stops keystorm when the process that started it goes away. `npx keystorm …` runs us as
 * `npm exec` → `sh -c keystorm …` → node: a SIGINT/SIGTERM sent to npm is forwarded to the
 * shell only, the shell dies, npm exits, and we would play on as an orphan and write a report
 * that says "passed". So we poll our parent (and, through that `sh -c`, npm itself) and treat
 * its loss like a SIGTERM: the run's signal handlers roll back, stop the SUT and write a
 * partial report marked interrupted.
 */
import { basename } from 'node:path';
import { commandLineOf, isAlive, parentOf } from './proc-info.ts';

/** A link of the chain that started us: `pid` must keep `parent` as its parent. */
interface Link {
  pid: number;
  parent: number;
}

export interface ParentWatchOptions {
  /** How often to look; default 500 ms (a lost parent is noticed within half a second). */
  intervalMs?: number;
  /** What to do once the parent is gone; default: send ourselves SIGTERM. */
  onLost?: (why: string) => void;
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ash', 'busybox']);

/** True for the `sh -c '<bin>' …` through which npm exec and npm run start a package's bin. */
function isWrapperShell(pid: number): boolean {
  const argv = commandLineOf(pid);
  return argv !== undefined && SHELLS.has(basename(argv[0] ?? '')) && argv[1] === '-c';
}

/** Our parent, and the shell's parent too when the parent is npm's `sh -c` wrapper. */
function chainToWatch(): Link[] {
  const links: Link[] = [{ pid: process.pid, parent: process.ppid }];
  if (process.env.npm_lifecycle_event !== undefined && isWrapperShell(process.ppid)) {
    const grandparent = parentOf(process.ppid);
    if (grandparent !== undefined && grandparent > 1) links.push({ pid: process.ppid, parent: grandparent });
  }
  return links;
}

/** Describes the first broken link, or returns undefined while the chain is intact. */
function brokenLink(links: readonly Link[]): string | undefined {
  for (const link of links) {
    const parent = parentOf(link.pid);
    // Without /proc we can only ask whether the parent still exists.
    const lost = parent === undefined ? !isAlive(link.parent) : parent !== link.parent;
    if (lost)
      return `process ${link.parent} (which started ${link.pid === process.pid ? 'keystorm' : `process ${link.pid}`}) is gone`;
  }
  return undefined;
}

function sendSigterm(why: string): void {
  process.stderr.write(`\nkeystorm: ${why} — stopping as on SIGTERM\n`);
  process.kill(process.pid, 'SIGTERM');
}

/**
 * Starts watching; returns the function that stops it. The timer never keeps the process alive,
 * and it fires at most once.
 */
export function watchParent(options: ParentWatchOptions = {}): () => void {
  const links = chainToWatch();
  if (links[0]?.parent === 1) return () => undefined; // started by init: there is no one to lose
  const onLost = options.onLost ?? sendSigterm;
  const timer = setInterval(() => {
    const why = brokenLink(links);
    if (why === undefined) return;
    clearInterval(timer);
    onLost(why);
  }, options.intervalMs ?? 500);
  timer.unref();
  return () => clearInterval(timer);
}
