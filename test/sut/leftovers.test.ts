/**
 * The record of running SUT groups, and the sweep by which the next run stops what a run killed
 * outright (reaper included) left behind — only what it can prove is a recorded process.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RunRecord, sweepLeftovers } from '../../src/process/leftovers.ts';
import { startTimeOf } from '../../src/process/proc-info.ts';
import { eventually, isRunning } from '../e2e/signals-processes.ts';

const dirs: string[] = [];
const children: ChildProcess[] = [];

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keystorm-leftovers-'));
  dirs.push(dir);
  return dir;
}

/** A `sleep` leading its own process group, as a SUT replica does. */
function groupLeader(): number {
  const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  children.push(child);
  return child.pid as number;
}

/** A PID that no longer runs (and a start time no process has). */
function deadHarness(): { pid: number; start: string } {
  return { pid: spawnSync('true').pid, start: '1' };
}

after(() => {
  for (const child of children) if (isRunning(child.pid as number)) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('leftover SUT groups', () => {
  it('records each running group with its start time and removes the file with the last one', () => {
    const dir = freshDir();
    const record = new RunRecord(dir);
    const pid = groupLeader();
    record.add(pid);
    const [name] = readdirSync(dir);
    assert.equal(name, `${process.pid}-${startTimeOf(process.pid)}.json`);
    const saved = JSON.parse(readFileSync(join(dir, name), 'utf8')) as {
      groups: { pid: number; start: string }[];
    };
    assert.deepEqual(
      saved.groups.map((g) => [g.pid, g.start]),
      [[pid, startTimeOf(pid)]],
    );
    record.remove(pid);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('stops the groups a killed run left running, says so, and spares a recycled PID', async () => {
    const dir = freshDir();
    const left = groupLeader();
    const recycled = groupLeader(); // recorded with another start time: not provably the same process
    const file = join(dir, 'dead-run.json');
    writeFileSync(
      file,
      JSON.stringify({
        harness: deadHarness(),
        groups: [
          { pid: left, start: startTimeOf(left), command: 'sleep 300' },
          { pid: recycled, start: '1', command: 'node gateway.js' },
        ],
      }),
    );
    const lines = await sweepLeftovers(dir, 1000);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(
      lines[0] ?? '',
      new RegExp(`stopped SUT process ${left} \\(sleep 300\\) left running by an earlier run`),
    );
    assert.ok(await eventually(() => !isRunning(left), 3000), `${left} still running`);
    assert.ok(isRunning(recycled), 'a process that is not provably the recorded one must not be signalled');
    assert.equal(existsSync(file), false);
  });

  it('leaves the groups of a run still going alone', async () => {
    const dir = freshDir();
    const pid = groupLeader();
    const record = new RunRecord(dir); // this test process plays the live harness
    record.add(pid);
    assert.deepEqual(await sweepLeftovers(dir, 1000), []);
    assert.ok(isRunning(pid));
    assert.equal(readdirSync(dir).length, 1);
    record.remove(pid);
  });
});
