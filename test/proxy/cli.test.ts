/** `keystorm toxiproxy` as a real process: URL on stdout, clean shutdown on signals, usage errors. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { api, connectTo } from './helpers.ts';

const RUNNER = fileURLToPath(new URL('./fixtures/run-cli.ts', import.meta.url));
const started: ChildProcess[] = [];

after(() => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
});

function run(args: string[]): {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', RUNNER, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

async function waitForUrl(stdout: () => string, exit: Promise<unknown>): Promise<string> {
  const deadline = Date.now() + 20_000;
  let exited = false;
  void exit.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    const match = /^(http:\/\/\S+)$/m.exec(stdout());
    if (match?.[1] !== undefined) return match[1];
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no URL printed; stdout: ${stdout()}`);
}

describe('keystorm toxiproxy', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`prints the API URL, serves the API, and exits 0 closing every proxy on ${signal}`, async () => {
      const cli = run(['--port', '0', '--seed', '42']);
      const url = await waitForUrl(cli.stdout, cli.exit);
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal((await api(url, 'GET', '/version')).status, 200);
      const created = await api(url, 'POST', '/proxies', { name: 'p', upstream: '127.0.0.1:9' });
      const listen = (created.json as { listen: string }).listen;
      cli.child.kill(signal);
      assert.equal(await cli.exit, 0, cli.stderr());
      await assert.rejects(connectTo(listen), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
      assert.match(cli.stderr(), /seed 42/);
    });
  }

  it('exits 2 naming the flag on bad usage', async () => {
    for (const [args, flag] of [
      [['--prot', '1'], '--prot'],
      [['--port', 'abc'], '--port'],
      [['--port', '70000'], '--port'],
      [['--seed', '-1'], '--seed'],
    ] as const) {
      const cli = run([...args]);
      assert.equal(await cli.exit, 2, `${args.join(' ')}: ${cli.stderr()}`);
      assert.ok(cli.stderr().includes(flag), `${args.join(' ')}: ${cli.stderr()}`);
    }
  });

  it('exits 3 when the API port is taken', async () => {
    const first = run(['--port', '0']);
    const url = await waitForUrl(first.stdout, first.exit);
    const port = new URL(url).port;
    const second = run(['--port', port]);
    assert.equal(await second.exit, 3);
    assert.match(second.stderr(), /EADDRINUSE/);
    first.child.kill('SIGTERM');
    assert.equal(await first.exit, 0);
  });
});
