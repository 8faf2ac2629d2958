/**
 * Stops keystorm when whoever started it goes away or was told to stop it, even where the
 * signal never reaches us. `npx keystorm …` runs us as `npm exec` → `sh -c keystorm …` → node:
 * - SIGTERM to npm is forwarded to the shell only; the shell dies, npm exits, we are orphaned;
 * - SIGINT to npm is forwarded to the shell only, which (like every POSIX shell waiting for a
 *   foreground child) swallows it and waits for us;
 * - SIGKILL of npm, or the death of the shell that ran npx (a CI runner SIGTERMs the step's
 *   shell), leaves us running with no one to report to.
 * So we poll (every 500 ms) the chain of parents up to the process that started npm, and npm's
 * shell's wake-ups, and stop as on the signal the user meant: the run's own handlers then roll
 * back, stop the SUT and write a partial report marked interrupted (exit 130). SIGHUP (the
 * terminal closed) is treated as SIGTERM too.
 */
import { isAlive, parentOf } from './proc-info.ts';
import { wakeupsOf } from './proc-wakeups.ts';
import { npmWrappers } from './npm-wrappers.ts';

/** A link of the chain that started us: `pid` must keep `parent` as its parent. */
interface Link {
  pid: number;
  parent: number;
  /** How to name the parent in the message. */
  name: string;
}

export interface ParentWatchOptions {
  /** How often to look; default 500 ms. */
  intervalMs?: number;
  /** What to do once a stop is due; default: send ourselves `signal`. */
  onStop?: (signal: 'SIGINT' | 'SIGTERM', why: string) => void;
}

interface Watched {
  links: Link[];
  /** npm's `sh -c` and its wake-up count while it waits for us. */
  shell?: { pid: number; wakeups: number };
}

function whatToWatch(): Watched {
  const wrappers = npmWrappers();
  const links: Link[] = [{ pid: process.pid, parent: process.ppid, name: 'the parent of keystorm' }];
  if (wrappers === undefined) return { links };
  if (wrappers.shell !== undefined)
    links.push({ pid: wrappers.shell, parent: wrappers.npm, name: 'npm exec' });
  const npmParent = parentOf(wrappers.npm);
  if (npmParent !== undefined && npmParent > 1) {
    links.push({ pid: wrappers.npm, parent: npmParent, name: 'the process that started npm' });
  }
  const wakeups = wrappers.shell === undefined ? undefined : wakeupsOf(wrappers.shell);
  return {
    links,
    ...(wrappers.shell === undefined || wakeups === undefined
      ? {}
      : { shell: { pid: wrappers.shell, wakeups } }),
  };
}

/** Describes the first broken link, or returns undefined while the chain is intact. */
function brokenLink(links: readonly Link[]): string | undefined {
  for (const link of links) {
    const parent = parentOf(link.pid);
    // Without /proc we can only ask whether the parent still exists.
    const lost = parent === undefined ? !isAlive(link.parent) : parent !== link.parent;
    if (lost) return `${link.name} (pid ${link.parent}) is gone`;
  }
  return undefined;
}

/** True when npm's shell woke up since we last looked (see the module comment). */
function shellWoke(shell: Watched['shell']): boolean {
  return shell !== undefined && (wakeupsOf(shell.pid) ?? shell.wakeups) !== shell.wakeups;
}

function sendOurselves(signal: 'SIGINT' | 'SIGTERM', why: string): void {
  process.stderr.write(`\nkeystorm: ${why} — stopping as on ${signal}\n`);
  process.kill(process.pid, signal);
}

/**
 * Starts watching; returns the function that stops it. The timer never keeps the process alive,
 * and it fires at most once (later hang-ups are ignored, so they cannot cut the report short).
 */
export function watchParent(options: ParentWatchOptions = {}): () => void {
  const watched = whatToWatch();
  // Once only: a second SIGTERM after the run removed its handlers would kill it mid-report.
  let fired = false;
  const onStop = (signal: 'SIGINT' | 'SIGTERM', why: string): void => {
    if (fired) return;
    fired = true;
    clearInterval(timer);
    (options.onStop ?? sendOurselves)(signal, why);
  };
  const onHangup = (): void => onStop('SIGTERM', 'SIGHUP received (the terminal closed)');
  process.on('SIGHUP', onHangup);
  // Stopped and continued (Ctrl-Z, fg), we woke the shell ourselves: that was no signal to it.
  const onContinue = (): void => {
    if (watched.shell !== undefined)
      watched.shell.wakeups = wakeupsOf(watched.shell.pid) ?? watched.shell.wakeups;
  };
  process.on('SIGCONT', onContinue);
  const started = watched.links[0]?.parent !== 1; // started by init: there is no one to lose
  const intervalMs = options.intervalMs ?? 500;
  let lastTick = performance.now();
  const timer = setInterval(() => {
    // Late by far: we were stopped (Ctrl-Z) or starved. Judge the shell on the next tick, after
    // a pending SIGCONT has re-read its count.
    const late = performance.now() - lastTick > 3 * intervalMs;
    lastTick = performance.now();
    const why = brokenLink(watched.links);
    if (why !== undefined) onStop('SIGTERM', why);
    else if (!late && shellWoke(watched.shell)) {
      onStop('SIGINT', `npm exec's shell (pid ${watched.shell?.pid}) got a signal it did not pass on`);
    }
  }, intervalMs);
  timer.unref();
  if (!started) clearInterval(timer);
  return () => {
    clearInterval(timer);
    process.off('SIGHUP', onHangup);
    process.off('SIGCONT', onContinue);
  };
}
