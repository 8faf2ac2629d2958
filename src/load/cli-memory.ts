/**
 * Memory settings of the `keystorm load` process, and a reading of what V8 made of them.
 *
 * Most of the growth of a long `keystorm load` run after start-up is V8's young generation:
 * its semi-spaces start at 1 MB and double whenever enough objects survive scavenges, up to
 * 16 MB each (32 MB of new space, ~48 MB of RSS with the space for large objects). The load
 * engine allocates a little per request and keeps almost none of it, so a small young
 * generation costs it a few more (cheap) scavenges and saves that RSS.
 *
 * `--max-semi-space-size` would be the obvious flag, but V8 reads it only when the heap is
 * created: set at run time (`v8.setFlagsFromString`) it is ignored (measured: new space still
 * grew to 32 MB), and passing it on node's command line would take a second node process
 * around the run (a re-exec: ~40 MB more RSS that `/usr/bin/time` does not even count, and one
 * more link between npm's shell and keystorm, which src/process/parent-watch.ts watches).
 * V8 reads `--semi-space-growth-factor` each time it grows the new space, so setting it to 1
 * at run time stops the growth where it is: at the initial 1 MB semi-spaces (2 MB of new
 * space). {@link youngGeneration} reads the new space's size back, so the cap is checked
 * (bench/load-memory.ts, test/load/cli-memory.test.ts), not assumed.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** The flags `keystorm load` sets on itself before it loads the engine. */
export const LOAD_V8_FLAGS = [
  // Keeps the young generation at its initial size (see the module comment).
  '--semi-space-growth-factor=1',
  // For https: targets only (http: goes through keystorm's own client, src/load/http1-*.ts):
  // undici parses HTTP with llhttp compiled to WebAssembly; V8's optimising compile of that
  // module briefly takes ~30 MB outside the JS heap (peak RSS of a short run 126 → 93 MB).
  // Its baseline compiler alone is enough here: client CPU per request measured the same
  // within noise. Must be set before undici is loaded.
  '--liftoff-only',
] as const;

/** Applies {@link LOAD_V8_FLAGS} to this process (it runs nothing but the load). */
export function applyLoadFlags(): void {
  for (const flag of LOAD_V8_FLAGS) setFlagsFromString(flag);
}

/** What the process's young generation looks like, for the `--json` report. */
export interface YoungGeneration {
  /** Flags set at run time by `keystorm load`. */
  v8Flags: readonly string[];
  /** Flags node was started with (`process.execArgv`). */
  execArgv: readonly string[];
  /** Size of V8's new space now (both semi-spaces), MB. */
  newSpaceMB: number;
}

/** Reads the new space's size as V8 reports it. */
export function youngGeneration(): YoungGeneration {
  const newSpace = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  return {
    v8Flags: LOAD_V8_FLAGS,
    execArgv: process.execArgv,
    newSpaceMB: Math.round(((newSpace?.space_size ?? 0) / 2 ** 20) * 10) / 10,
  };
}
