/**
 * A record, on disk, of the SUT process groups a run has running, so that the next run can stop
 * what a run killed outright left behind (should its reaper have been killed too). One file per
 * harness in `<tmpdir>/keystorm-<uid>/`, named by the harness's PID and start time.
 *
 * Only what can be proven ours is ever signalled: a group leader whose PID *and* kernel start
 * time match the record (a PID the kernel has since given to another program has another start
 * time), of a harness that is no longer running. Linux only (it needs /proc); elsewhere the
 * record is not kept.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { commandLineOf, startTimeOf } from './proc-info.ts';

interface Proof {
  pid: number;
  /** Kernel start time (clock ticks since boot): with the PID, one process for good. */
  start: string;
}

interface RunFile {
  harness: Proof;
  groups: (Proof & { command: string })[];
}

/** Where the records live by default: per user, so nobody sweeps another user's runs. */
export function defaultLeftoversDir(): string {
  return join(tmpdir(), `keystorm-${process.getuid?.() ?? 'user'}`);
}

/** True when the process recorded as `proof` is the one still running under that PID. */
function stillRunning(proof: Proof): boolean {
  return startTimeOf(proof.pid) === proof.start;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The record of this harness's running SUT groups (one per process; see `runRecord()`). */
export class RunRecord {
  private readonly file: string | undefined;
  private readonly record: RunFile | undefined;

  constructor(private readonly dir: string = defaultLeftoversDir()) {
    const start = startTimeOf(process.pid);
    if (start === undefined) return; // no /proc: nothing we could prove later anyway
    this.record = { harness: { pid: process.pid, start }, groups: [] };
    this.file = join(dir, `${process.pid}-${start}.json`);
  }

  /** Records a group leader we just spawned. */
  add(pid: number): void {
    const start = startTimeOf(pid);
    if (this.record === undefined || start === undefined) return;
    this.record.groups.push({ pid, start, command: (commandLineOf(pid) ?? []).join(' ').slice(0, 200) });
    this.save();
  }

  /** Forgets a group that ended; the file goes with the last one. */
  remove(pid: number): void {
    if (this.record === undefined) return;
    this.record.groups = this.record.groups.filter((g) => g.pid !== pid);
    this.save();
  }

  private save(): void {
    if (this.file === undefined || this.record === undefined) return;
    try {
      if (this.record.groups.length === 0) {
        rmSync(this.file, { force: true });
        return;
      }
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      writeFileSync(`${this.file}.tmp`, JSON.stringify(this.record));
      renameSync(`${this.file}.tmp`, this.file);
    } catch {
      // The record is a second net (the reaper is the first): a read-only tmp costs only it.
    }
  }
}

function readRecord(file: string): RunFile | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<RunFile>;
    return parsed.harness !== undefined && Array.isArray(parsed.groups) ? (parsed as RunFile) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Stops the SUT groups of earlier runs that were killed outright and removes their records.
 * Leaves alone the records of runs still going. Resolves with one line per group stopped.
 */
export async function sweepLeftovers(dir: string = defaultLeftoversDir(), graceMs = 2000): Promise<string[]> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return []; // no records: nothing was left
  }
  const stopped: (Proof & { command: string; harness: number })[] = [];
  for (const name of names) {
    const file = join(dir, name);
    const record = readRecord(file);
    if (record !== undefined && stillRunning(record.harness)) continue; // a run in progress
    for (const group of record?.groups ?? []) {
      if (!stillRunning(group)) continue;
      try {
        process.kill(-group.pid, 'SIGTERM');
        stopped.push({ ...group, harness: record?.harness.pid ?? 0 });
      } catch {
        // Gone meanwhile, or not ours to signal.
      }
    }
    rmSync(file, { force: true });
  }
  const deadline = Date.now() + graceMs;
  while (stopped.some((g) => groupAlive(g.pid)) && Date.now() < deadline) await sleep(50);
  for (const group of stopped.filter((g) => groupAlive(g.pid))) {
    try {
      process.kill(-group.pid, 'SIGKILL');
    } catch {
      // Ended between the check and the kill.
    }
  }
  return stopped.map(
    (g) =>
      `stopped SUT process ${g.pid} (${g.command}) left running by an earlier run (pid ${g.harness}) that was killed`,
  );
}
