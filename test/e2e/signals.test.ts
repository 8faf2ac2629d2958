/**
 * Stopping keystorm the way users do: `npx keystorm run …` (npm exec → sh -c → node) or
 * `node bin/keystorm.mjs run …`, with SIGINT, SIGTERM or SIGKILL sent to npm or to the harness.
 * Every case plays a scenario that would run a minute with a fault in force, interrupts it
 * once the fault is applied, and checks the real processes and ports afterwards.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from './cli.ts';
import {
  accepts,
  commandLine,
  descendantsOf,
  eventually,
  isRunning,
  listeningPorts,
  runningWithMarker,
} from './signals-processes.ts';

const BIN = join(ROOT, 'bin', 'keystorm.mjs');
/** The npx of the Node running the tests (the one CI's matrix selected), else the one on PATH. */
const NPX = existsSync(join(dirname(process.execPath), 'npx'))
  ? join(dirname(process.execPath), 'npx')
  : 'npx';
/** What "within a few seconds" means for stopping everything. */
const STOP_WITHIN_MS = 8000;

/** A minute of steady load with a fault in force: it can only end early by being interrupted. */
const HOLD_SCENARIO = {
  name: 'signals-hold',
  hypothesis: 'Runs long enough to be interrupted while a fault is in force.',
  load: { phases: [{ name: 'steady', rate: 5, duration: '60s' }] },
  timeline: [
    {
      from: '1s',
      to: '60s',
      fault: {
        name: 'slow-jwks',
        kind: 'http-status',
        target: { issuer: 'gitlab', endpoint: 'jwks' },
        attributes: { status: 503 },
      },
    },
  ],
  slos: [{ metric: 'unexpected_rate', threshold: 'rate<0.5' }],
};

/**
 * npx: `npx keystorm …`; node: `node bin/keystorm.mjs …`; sh, sh-npx: either under a `sh -c`
 * parent (a CI step's shell).
 */
type Via = 'npx' | 'node' | 'sh' | 'sh-npx';

interface Launched {
  child: ChildProcess;
  out: string;
  /** The node process running keystorm (for npx: below npm exec and its sh -c). */
  harness: number;
  /** The SUT replicas and whatever they started. */
  sut: number[];
  ports: number[];
  /** Everything else the harness started (the reaper, tsx's esbuild service). */
  helpers: number[];
  output: () => string;
  exit: Promise<Exit>;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

let dir: string;
let scenarioFile: string;

async function launch(via: Via, label: string): Promise<Launched> {
  const marker = `KEYSTORM_SIGNALS_${randomUUID().replace(/-/g, '')}`;
  const out = join(dir, label);
  const args = [
    'run',
    scenarioFile,
    '--out',
    out,
    '--reporter',
    'json',
    '--reporter',
    'console',
    '--time-scale',
    '0.5',
    '--sut-env',
    `${marker}=1`,
  ];
  // Its own process group, like a command started from an interactive shell (for Ctrl-C).
  const options: SpawnOptions = { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true };
  const child: ChildProcess =
    via === 'npx'
      ? spawn(NPX, ['keystorm', ...args], options)
      : via === 'sh' || via === 'sh-npx'
        ? // `; exit $?` keeps the shell in between even where sh would exec a lone command.
          spawn(
            'sh',
            [
              '-c',
              `"$0" "$@"; exit $?`,
              ...(via === 'sh' ? [process.execPath, BIN] : [NPX, 'keystorm']),
              ...args,
            ],
            options,
          )
        : spawn(process.execPath, [BIN, ...args], options);
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exit = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let exited = false;
  void exit.then(() => (exited = true));
  const applied = await eventually(() => exited || /fault slow-jwks applied/.test(output), 90_000);
  assert.ok(applied && !exited, `${label}: the fault was never applied; output:\n${output}`);
  const tree = descendantsOf(child.pid as number);
  const harness =
    via === 'node'
      ? (child.pid as number)
      : tree.find((pid) => /keystorm(\.mjs)?$/.test(commandLine(pid)[1] ?? ''));
  assert.ok(harness !== undefined, `${label}: no harness among ${tree.join(',')}`);
  const sut = runningWithMarker(marker);
  const ports = listeningPorts(sut);
  assert.ok(sut.length >= 2, `${label}: expected two SUT replicas, found ${sut.join(',')}`);
  assert.ok(ports.length >= 2, `${label}: expected the replicas' ports, found ${ports.join(',')}`);
  const helpers = descendantsOf(harness).filter((pid) => !sut.includes(pid));
  assert.ok(
    helpers.some((pid) => commandLine(pid)[0] === 'keystorm-reaper'),
    `${label}: no reaper among ${helpers.map((p) => commandLine(p).join(' ')).join('; ')}`,
  );
  return { child, out, harness, sut, ports, helpers, output: () => output, exit };
}

/** Asserts that nothing keystorm started outlives the stop: processes gone, ports closed. */
async function assertAllStopped(run: Launched, label: string): Promise<void> {
  const everything = [run.harness, ...run.sut, ...run.helpers];
  const gone = await eventually(() => everything.every((pid) => !isRunning(pid)), STOP_WITHIN_MS);
  const left = everything.filter(isRunning).map((pid) => `${pid} ${commandLine(pid).join(' ')}`);
  assert.ok(gone, `${label}: still running after ${STOP_WITHIN_MS} ms:\n${left.join('\n')}\n${run.output()}`);
  for (const port of run.ports) {
    assert.equal(await accepts(port), false, `${label}: port ${port} still accepts connections`);
  }
}

/** The exit of the spawned process (npm exec, sh or node), which must come within `ms`. */
async function exitWithin(run: Launched, ms: number): Promise<Exit> {
  const exit = await Promise.race([run.exit, sleep(ms, undefined, { ref: false })]);
  assert.ok(
    exit !== undefined,
    `${commandLine(run.child.pid as number).join(' ')} still running after ${ms} ms`,
  );
  return exit;
}

/** A failed case must not leave its run playing on: SIGKILL what it started, by PID. */
function killLeftovers(run: Launched): void {
  for (const pid of [run.child.pid as number, run.harness, ...run.sut, ...run.helpers]) {
    if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  }
}

async function summaryOf(run: Launched): Promise<{ status: string; exitCode: number } | undefined> {
  try {
    return JSON.parse(await readFile(join(run.out, 'summary.json'), 'utf8')) as {
      status: string;
      exitCode: number;
    };
  } catch {
    return undefined;
  }
}

/** SIGINT/SIGTERM anywhere in the tree: an interrupted report, exit 130, nothing left. */
async function interruptCase(
  via: Via,
  target: 'npm' | 'harness' | 'parent' | 'group',
  signal: NodeJS.Signals,
): Promise<void> {
  const label = `${via}-${target}-${signal}`;
  const run = await launch(via, label);
  let exit: Exit;
  try {
    // npm exec and the harness's `sh -c` parent are both the spawned child, which leads the
    // process group a terminal's Ctrl-C goes to.
    const child = run.child.pid as number;
    process.kill(target === 'harness' ? run.harness : target === 'group' ? -child : child, signal);
    await assertAllStopped(run, label);
    exit = await exitWithin(run, STOP_WITHIN_MS);
  } finally {
    killLeftovers(run);
  }
  const summary = await summaryOf(run);
  assert.equal(
    summary?.status,
    'interrupted',
    `${label}: summary ${JSON.stringify(summary)}\n${run.output()}`,
  );
  assert.equal(summary.exitCode, 130);
  assert.match(run.output(), /fault slow-jwks reverted/, `${label}: the fault was not rolled back`);
  assert.doesNotMatch(run.output(), /rollback incomplete/);
  if (target === 'group') {
    // keystorm exits 130; the shell, which got the SIGINT too, then ends by it, and so does npm.
    assert.ok(exit.code === 130 || exit.signal === 'SIGINT', `${label}: exit ${JSON.stringify(exit)}`);
  } else if (target === 'harness') {
    // The harness exits 130; npm exec (and its shell) pass that on.
    assert.equal(exit.code, 130, `${label}: exit ${JSON.stringify(exit)}\n${run.output()}`);
  } else {
    // npm exec forwards the signal to its shell only and ends before the harness has finished
    // (a killed parent has no say at all): the harness notices by itself, and the report is the
    // verdict, not the status of the process that was signalled.
    assert.notEqual(exit.code, 0, `${label}: the signalled process exited 0`);
    assert.match(run.output(), /— stopping as on SIG(INT|TERM)/);
  }
}

/** SIGKILL of the harness: no hook runs in it, yet nothing it started outlives it. */
async function killCase(via: Via): Promise<void> {
  const label = `${via}-harness-SIGKILL`;
  const run = await launch(via, label);
  let exit: Exit;
  try {
    process.kill(run.harness, 'SIGKILL');
    await assertAllStopped(run, label);
    exit = await exitWithin(run, STOP_WITHIN_MS);
  } finally {
    killLeftovers(run);
  }
  assert.ok(exit.code !== 0, `${label}: exit ${JSON.stringify(exit)}`);
  assert.notEqual((await summaryOf(run))?.status, 'passed');
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keystorm-signals-'));
  scenarioFile = join(dir, 'signals-hold.json');
  await writeFile(scenarioFile, JSON.stringify(HOLD_SCENARIO));
});
after(() => rm(dir, { recursive: true, force: true }));

describe('signals, as users start and stop keystorm', { concurrency: 3 }, () => {
  it('npx: Ctrl-C (SIGINT to the foreground process group) exits 130 and reports interrupted', () =>
    interruptCase('npx', 'group', 'SIGINT'));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`npx: ${signal} to npm exec stops everything and reports interrupted`, () =>
      interruptCase('npx', 'npm', signal));
    it(`npx: ${signal} to the harness exits 130 through npm and reports interrupted`, () =>
      interruptCase('npx', 'harness', signal));
    it(`node bin: ${signal} to the harness exits 130 and reports interrupted`, () =>
      interruptCase('node', 'harness', signal));
  }

  it('npx: SIGKILL of npm exec orphans the harness, which stops as on SIGTERM', () =>
    interruptCase('npx', 'npm', 'SIGKILL'));
  it('node bin: SIGHUP (the terminal closed) to the harness exits 130 and reports interrupted', () =>
    interruptCase('node', 'harness', 'SIGHUP'));
  it('node bin: the death of its parent (SIGKILL) stops the harness as on SIGTERM', () =>
    interruptCase('sh', 'parent', 'SIGKILL'));
  it('npx: the death of the shell that ran npx (a cancelled CI step) stops the harness as on SIGTERM', () =>
    interruptCase('sh-npx', 'parent', 'SIGKILL'));
  it('npx: SIGKILL of the harness leaves no SUT replica running or listening', () => killCase('npx'));
  it('node bin: SIGKILL of the harness leaves no SUT replica running or listening', () => killCase('node'));
});

// Alone, after the cases above: their runs would otherwise sweep this case's leftovers.
describe('leftovers of a run killed with its reaper', () => {
  it('the next run stops the SUT replicas that were left running, and says so', async () => {
    const first = await launch('node', 'node-leftovers-first');
    let second: Launched | undefined;
    try {
      const reaper = first.helpers.find((pid) => commandLine(pid)[0] === 'keystorm-reaper') as number;
      const leaders = first.sut.filter((pid) => commandLine(pid).includes('examples/gateway/main.ts'));
      process.kill(first.harness, 'SIGKILL');
      process.kill(reaper, 'SIGKILL');
      await sleep(1000);
      assert.ok(first.sut.some(isRunning), 'with the reaper gone too, the replicas should still run');
      second = await launch('node', 'node-leftovers-second');
      assert.equal(leaders.length, 2, `replica leaders among ${first.sut.join(',')}`);
      for (const pid of leaders) {
        assert.match(
          second.output(),
          new RegExp(`stopped SUT process ${pid} \\(.*\\) left running by an earlier run`),
        );
      }
      await assertAllStopped({ ...first, helpers: [] }, 'the first run');
      process.kill(second.harness, 'SIGINT');
      assert.equal((await exitWithin(second, STOP_WITHIN_MS)).code, 130);
    } finally {
      killLeftovers(first);
      if (second !== undefined) killLeftovers(second);
    }
  });
});
