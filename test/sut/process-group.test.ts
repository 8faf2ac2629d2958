/**
 * A spawned SUT runs as the leader of its own process group: stopping it stops whatever it
 * started, and a harness killed by SIGKILL (which runs no hook) still leaves nothing behind,
 * because the reaper it started stops the group when the harness's pipe to it closes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSut } from '../../src/sut/index.ts';
import { commandLine, descendantsOf, eventually, isRunning } from '../e2e/signals-processes.ts';
import { writeFixtures, type Fixtures } from './fixtures.ts';

let fx: Fixtures;
/** A SUT that starts a helper of its own (a `sleep`), then serves like the plain fixture. */
let parentSut: string;

before(() => {
  fx = writeFixtures();
  parentSut = join(fx.dir, 'parent-sut.mjs');
  writeFileSync(
    parentSut,
    `import { spawn } from 'node:child_process';
const helper = spawn('sleep', ['300'], { stdio: 'ignore' });
console.log(JSON.stringify({ msg: 'helper', pid: helper.pid }));
await import(${JSON.stringify(fx.server)});
`,
  );
});
after(() => fx.cleanup());

function helperPid(text: string): number {
  const pid = Number(/"msg":"helper","pid":(\d+)/.exec(text)?.[1]);
  assert.ok(pid > 0, `the SUT printed no helper PID:\n${text}`);
  return pid;
}

describe('SUT process group', () => {
  it('stopping the SUT also stops the processes it started', async () => {
    const sut = await startSut({ command: [process.execPath, parentSut] });
    const replica = sut.replicas[0];
    assert.ok(replica?.pid !== undefined);
    const helper = helperPid(replica.logs.tailText());
    assert.ok(isRunning(helper));
    await sut.stop();
    assert.ok(await eventually(() => !isRunning(helper), 3000), `helper ${helper} outlived the SUT`);
  });

  it('a harness killed by SIGKILL leaves no SUT process running: the reaper stops the group', async () => {
    const script = join(fx.dir, 'harness.mts');
    const sutIndex = new URL('../../src/sut/index.ts', import.meta.url).href;
    writeFileSync(
      script,
      `import { startSut } from ${JSON.stringify(sutIndex)};
const sut = await startSut({ command: [process.execPath, ${JSON.stringify(parentSut)}] });
const replica = sut.replicas[0];
console.log('SUT=' + replica.pid + ' ' + replica.logs.tailText());
setInterval(() => {}, 1000);
`,
    );
    const harness = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    harness.stdout.on('data', (c: Buffer) => (output += c.toString()));
    try {
      assert.ok(await eventually(() => /SUT=\d+/.test(output), 30_000), `no SUT started:\n${output}`);
      const sut = Number(/SUT=(\d+)/.exec(output)?.[1]);
      const helper = helperPid(output);
      // The reaper is started beside the replica; on a busy machine it may show up a moment later.
      const findReaper = (): number | undefined =>
        descendantsOf(harness.pid as number).find((p) => commandLine(p)[0] === 'keystorm-reaper');
      await eventually(() => findReaper() !== undefined, 10_000);
      const reaper = findReaper();
      assert.ok(reaper !== undefined, 'the harness started no reaper');
      harness.kill('SIGKILL');
      const gone = await eventually(() => ![sut, helper, reaper].some(isRunning), 5000);
      assert.ok(
        gone,
        `still running after the harness's SIGKILL: ${[sut, helper, reaper].filter(isRunning).join(', ')}`,
      );
    } finally {
      harness.kill('SIGKILL');
    }
  });
});
