import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HarnessError, ValidationError } from '../../src/errors.ts';
import { createSut, startSut, SutError, trackedPids, type Sut } from '../../src/sut/index.ts';
import { isAlive, writeFixtures, type Fixtures } from './fixtures.ts';

let fx: Fixtures;
const started: Sut[] = [];

/** Every SUT a test creates is stopped in after(), even when the test fails half-way. */
async function make(...args: Parameters<typeof createSut>): Promise<Sut> {
  const sut = await createSut(...args);
  started.push(sut);
  return sut;
}

async function get(url: string): Promise<number> {
  const response = await fetch(url, { headers: { connection: 'close' } });
  await response.text();
  return response.status;
}

before(() => {
  fx = writeFixtures();
});
after(async () => {
  await Promise.allSettled(started.map((s) => s.stop()));
  fx.cleanup();
});

describe('spawned SUT', () => {
  it('learns its URL from the listening line and waits until /ready answers 2xx', async () => {
    const sut = await make({
      command: ['node', fx.server],
      env: { READY_DELAY_MS: '400' },
      readyUrl: '/ready',
      readyTimeout: 15_000,
    });
    const t0 = performance.now();
    await sut.start();
    const replica = sut.replicas[0]!;
    assert.match(replica.url ?? '', /^http:\/\/127\.0\.0\.1:\d+\/?$/);
    assert.ok(performance.now() - t0 >= 350, 'start resolved before the SUT said ready');
    assert.deepEqual(await replica.probeReady(), { ready: true, status: 200 });
    const pid = replica.pid!;
    assert.ok(isAlive(pid));
    await sut.stop();
    assert.equal(isAlive(pid), false, 'the SUT process is still running after stop()');
    assert.equal(replica.lastExit?.code, 0);
  });

  it('fails with ERR_SUT_NOT_READY naming the last status and the log tail on timeout', async () => {
    const sut = await make({
      command: ['node', fx.server],
      env: { READY_DELAY_MS: '600000' },
      readyUrl: '/ready',
      readyTimeout: 2500,
    });
    const t0 = performance.now();
    const error = await sut.start().then(
      () => assert.fail('a SUT that never gets ready was reported ready'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof SutError);
    assert.equal(error.code, 'ERR_SUT_NOT_READY');
    assert.match(
      error.message,
      /replica-1 not ready after 2\.50s: GET http:\/\/127\.0\.0\.1:\d+\/ready, last answer 503/,
    );
    assert.match(error.logTail, /"msg":"listening"/);
    assert.ok(performance.now() - t0 < 10_000);
    // start() failing stops what it started.
    assert.equal(sut.replicas[0]!.running, false);
  });

  it('fails fast with ERR_SUT_EXITED, the exit code and stderr when the SUT dies at start', async () => {
    const sut = await make({ command: ['node', fx.crash], readyUrl: '/ready', readyTimeout: 30_000 });
    const t0 = performance.now();
    const error = await sut.start().then(
      () => assert.fail('a crashed SUT was reported ready'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof SutError, String(error));
    assert.equal(error.code, 'ERR_SUT_EXITED');
    assert.equal(error.exitCode, 3);
    assert.match(error.message, /exited with code 3 before printing its listening line/);
    assert.match(error.logTail, /! boom: JWKS_URL is not set/);
    assert.ok(performance.now() - t0 < 10_000, 'did not fail fast: waited for the readiness deadline');
  });

  it('reports a command that cannot be started as ERR_SUT_EXITED', async () => {
    const sut = await make({ command: [join(fx.dir, 'no-such-binary')], readyTimeout: 5000 });
    await assert.rejects(sut.start(), (e: unknown) => {
      assert.ok(e instanceof SutError);
      assert.equal(e.code, 'ERR_SUT_EXITED');
      assert.match(e.message, /could not be started: .*ENOENT/);
      return true;
    });
  });

  it('fails with ERR_SUT_NOT_READY when no URL is configured and no listening line comes', async () => {
    const sut = await make({ command: ['node', fx.silent], readyTimeout: 3000 });
    await assert.rejects(sut.start(), (e: unknown) => {
      assert.ok(e instanceof SutError);
      assert.equal(e.code, 'ERR_SUT_NOT_READY');
      assert.match(e.message, /printed no \{"msg":"listening"/);
      assert.match(e.logTail, /starting, but never listening/);
      return true;
    });
  });

  it('starts without waiting so a scenario can assert that readiness fails (cold start)', async () => {
    const sut = await make({
      command: ['node', fx.server],
      env: { READY_DELAY_MS: '600000' },
      readyUrl: '/ready',
      readyTimeout: 10_000,
    });
    await sut.start({ waitForReady: false });
    const [probe] = await sut.probeReady();
    assert.equal(probe?.ready, false);
    assert.equal(probe?.status, 503);
    assert.equal(probe?.body, '{"ready":false}');
    await sut.stop();
    const [afterStop] = await sut.probeReady();
    assert.deepEqual(afterStop, { ready: false, error: 'replica-1 is not running' });
  });

  it('counts configured log patterns with timestamps and keeps a bounded tail', async () => {
    let clock = 1000;
    const sut = await make(
      {
        command: ['node', fx.server],
        readyUrl: '/ready',
        logPatterns: { recached: 'Old JWKS re-cached', incomplete: /incomplete jwks/i },
        logLines: 5,
        logDir: join(fx.dir, 'logs'),
      },
      { now: () => clock },
    );
    await sut.start();
    const url = sut.replicas[0]!.url!;
    const log = (msg: string): Promise<number> =>
      get(new URL(`/log?msg=${encodeURIComponent(msg)}`, url).href);
    await log('Old JWKS re-cached: some key providers failed');
    await log('Old JWKS re-cached: some key providers failed');
    await waitFor(() => sut.logCount('recached') === 2);
    clock = 5000;
    await log('Old JWKS re-cached: some key providers failed');
    await log('INCOMPLETE JWKS cached: some key providers failed, no old cache to fall back to');
    for (let i = 0; i < 6; i++) await log(`filler ${i}`);
    await waitFor(() => sut.replicas[0]!.logs.ring.tail(1)[0]?.text === 'filler 5');
    assert.equal(sut.logCount('recached'), 3);
    assert.equal(sut.logCount('recached', 0, 2000), 2);
    assert.equal(sut.logCount('recached', 2000, 9000), 1);
    assert.equal(sut.logCount('incomplete'), 1);
    assert.throws(() => sut.logCount('recahced'), /no pattern named "recahced"/);
    const tail = sut.replicas[0]!.logs.ring.tail();
    assert.equal(tail.length, 5, 'ring buffer not bounded');
    assert.deepEqual(
      tail.map((l) => l.text),
      ['filler 1', 'filler 2', 'filler 3', 'filler 4', 'filler 5'],
    );
    await sut.stop();
    const file = readFileSync(join(fx.dir, 'logs', 'replica-1.log'), 'utf8');
    assert.match(file, /stdout \| Old JWKS re-cached/);
    assert.match(file, /stdout \| bye/);
  });

  it('scrapes /metrics and reads a counter increase between two scrapes', async () => {
    const sut = await make({ command: ['node', fx.server], readyUrl: '/ready', metricsUrl: '/metrics' });
    await sut.start();
    const url = sut.replicas[0]!.url!;
    await get(new URL('/hit', url).href);
    const [before] = await sut.scrapeMetrics();
    for (let i = 0; i < 3; i++) await get(new URL('/hit', url).href);
    const [afterHits] = await sut.scrapeMetrics();
    const { counterIncrease } = await import('../../src/sut/index.ts');
    assert.equal(before?.sum('hits_total'), 1);
    assert.equal(counterIncrease(before, afterHits!, 'hits_total', { route: '/hit' }), 3);
    assert.equal(counterIncrease(before, afterHits!, 'no_such_total'), undefined);
    assert.equal(afterHits?.types.get('hits_total'), 'counter');
  });

  it('restarts a replica on the same port with a new process (cold start)', async () => {
    const sut = await make({
      command: ['node', fx.server],
      env: { PORT: '{{port}}' },
      url: 'http://127.0.0.1:{{port}}',
      readyUrl: '/ready',
      metricsUrl: '/metrics',
    });
    await sut.start();
    const replica = sut.replicas[0]!;
    const url = replica.url;
    const firstPid = replica.pid!;
    assert.equal(url, `http://127.0.0.1:${replica.identity.port}`);
    await get(new URL('/hit', url).href);
    const [before] = await sut.scrapeMetrics();
    await sut.restart(0);
    assert.equal(replica.url, url);
    assert.notEqual(replica.pid, firstPid);
    assert.equal(isAlive(firstPid), false);
    assert.equal(await get(new URL('/ready', url).href), 200);
    await get(new URL('/hit', url).href);
    await get(new URL('/hit', url).href);
    const [afterRestart] = await sut.scrapeMetrics();
    // The counter reset with the process: its increase is the new value, as Prometheus reads it.
    const { counterIncrease } = await import('../../src/sut/index.ts');
    assert.equal(counterIncrease(before!, afterRestart!, 'hits_total'), 2);
  });

  it('gives each replica its own id, port and rendered env', async () => {
    const sut = await make(
      {
        command: ['node', fx.server],
        env: { REPLICA_ID: '{{replica.id}}', JWKS_URL: '{{idp.gitlab.jwks}}', PORT: '{{port}}' },
        url: 'http://127.0.0.1:{{port}}',
        readyUrl: '/ready',
        replicas: 3,
      },
      { context: ({ id }) => ({ idp: { gitlab: { jwks: `http://127.0.0.1:9/_c/${id}/gitlab/jwks` } } }) },
    );
    await sut.start();
    const ids = sut.replicas.map((r) => r.identity.id);
    assert.deepEqual(ids, ['replica-1', 'replica-2', 'replica-3']);
    assert.equal(new Set(sut.replicas.map((r) => r.identity.port)).size, 3);
    assert.equal(new Set(sut.replicas.map((r) => r.pid)).size, 3);
    for (const replica of sut.replicas) {
      const envLine = replica.logs.ring.tail().find((l) => l.text.includes('"msg":"env"'));
      assert.deepEqual(JSON.parse(envLine?.text ?? '{}'), {
        msg: 'env',
        replica: replica.identity.id,
        jwks: `http://127.0.0.1:9/_c/${replica.identity.id}/gitlab/jwks`,
      });
      assert.equal(await get(new URL('/ready', replica.url).href), 200);
    }
    const pids = sut.replicas.map((r) => r.pid!);
    await sut.stop();
    assert.deepEqual(pids.filter(isAlive), []);
  });

  it('rejects unknown placeholders before spawning anything, naming each one', async () => {
    const before = trackedPids().length;
    await assert.rejects(
      createSut(
        {
          command: ['node', fx.server, '--issuer={{idp.gitlb.issuer}}'],
          env: { JWKS_URL: '{{idp.gitlab.jwks}}', BAD: '{{prxy.url}}', GROUP: '{{idp.gitlab}}' },
          replicas: 2,
        },
        {
          context: {
            idp: { gitlab: { jwks: 'http://127.0.0.1:1/jwks', issuer: 'http://127.0.0.1:1/gitlab' } },
          },
        },
      ),
      (e: unknown) => {
        assert.ok(e instanceof ValidationError);
        assert.equal(e.exitCode, 2);
        assert.deepEqual(
          e.problems.map((p) => p.path),
          ['sut.command[2]', 'sut.env.BAD', 'sut.env.GROUP'],
        );
        assert.match(
          e.message,
          /unknown placeholder \{\{idp\.gitlb\.issuer\}\}; known: idp\.gitlab\.jwks, idp\.gitlab\.issuer, replica\.id, replica\.index, port/,
        );
        assert.match(
          e.message,
          /\{\{idp\.gitlab\}\} is a group, not a value; use one of: \{\{idp\.gitlab\.jwks\}\}/,
        );
        return true;
      },
    );
    assert.equal(trackedPids().length, before);
  });

  it('escalates to SIGKILL when the SUT ignores SIGTERM past stopTimeout', async () => {
    const sut = await make({ command: ['node', fx.stubborn], stopTimeout: 400 });
    await sut.start();
    const replica = sut.replicas[0]!;
    const pid = replica.pid!;
    const t0 = performance.now();
    const result = await replica.stop();
    const took = performance.now() - t0;
    assert.equal(result?.killed, true);
    assert.equal(result?.signal, 'SIGKILL');
    assert.ok(took >= 380, `SIGKILL came before stopTimeout (${took}ms)`);
    assert.equal(isAlive(pid), false);
    assert.match(replica.logs.tailText(), /ignoring SIGTERM/);
  });

  it('runs a string command through sh with exec, so the PID is the program itself', async () => {
    const sut = await make({ command: `"${process.execPath}" "${fx.server}"`, readyUrl: '/ready' });
    await sut.start();
    const pid = sut.replicas[0]!.pid!;
    const comm = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    assert.equal(comm[0], process.execPath);
    await sut.stop();
    assert.equal(isAlive(pid), false);
  });

  it('leaves nothing running: every tracked PID is gone after the suite stops its SUTs', async () => {
    await Promise.allSettled(started.map((s) => s.stop()));
    assert.deepEqual(trackedPids(), []);
  });
});

describe('harness exit hook', () => {
  it('kills the SUT when the harness exits without stopping it', async () => {
    const { spawnSync } = await import('node:child_process');
    const script = join(fx.dir, 'harness.mts');
    const sutIndex = new URL('../../src/sut/index.ts', import.meta.url).href;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      script,
      `import { startSut } from ${JSON.stringify(sutIndex)};
const sut = await startSut({ command: ['node', ${JSON.stringify(fx.stubborn)}] });
console.log('PID=' + sut.replicas[0].pid);
process.exit(0);
`,
    );
    const result = spawnSync(process.execPath, ['--import', 'tsx', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    const pid = Number(/PID=(\d+)/.exec(result.stdout)?.[1]);
    assert.ok(pid > 0, `no PID printed: ${result.stdout} ${result.stderr}`);
    await waitFor(() => !isAlive(pid));
    assert.equal(isAlive(pid), false);
  });
});

describe('attached SUT', () => {
  it('waits for readiness and scrapes metrics of a SUT it did not start, and refuses to restart it', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      if (req.url === '/metrics') res.end('jwt_key_cache_miss_total 7\n');
      else res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const sut = await startSut({
        url: `http://127.0.0.1:${port}`,
        readyUrl: '/healthz',
        metricsUrl: '/metrics',
      });
      started.push(sut);
      assert.equal(sut.mode, 'attach');
      const [snapshot] = await sut.scrapeMetrics();
      assert.equal(snapshot?.sum('jwt_key_cache_miss_total'), 7);
      await assert.rejects(
        sut.restart(0),
        (e: unknown) => e instanceof HarnessError && e.code === 'ERR_USAGE',
      );
      await sut.stop();
      assert.equal(await get(`http://127.0.0.1:${port}/`), 200, 'stopping an attached SUT touched it');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses a non-loopback URL unless allow-listed', async () => {
    await assert.rejects(
      createSut({ url: 'http://example.com:8080' }),
      (e: unknown) => e instanceof HarnessError && e.code === 'ERR_NOT_LOOPBACK',
    );
    const sut = await make({ url: 'http://example.com:8080' }, { allowHosts: ['example.com'] });
    assert.equal(sut.replicas[0]!.url, 'http://example.com:8080/');
  });

  it('times out with ERR_SUT_NOT_READY naming the connection error', async () => {
    const { reservePort } = await import('../../src/sut/free-port.ts');
    const port = await reservePort();
    const sut = await make({ url: `http://127.0.0.1:${port}`, readyUrl: '/ready', readyTimeout: 400 });
    await assert.rejects(
      sut.start(),
      /attached SUT not ready after 400ms: GET http:\/\/127\.0\.0\.1:\d+\/ready, last error: .*ECONNREFUSED/,
    );
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
