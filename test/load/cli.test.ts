import assert from 'node:assert/strict';
import { runCli } from '../e2e/cli.ts';
import type { CliResult } from '../e2e/cli.ts';
import { after as afterAll, before, describe, it } from 'node:test';
import { startTestServer } from './servers.ts';
import type { TestServer } from './servers.ts';

/** Runs the real `keystorm` binary. */
const keystorm = (args: string[]): Promise<CliResult> => runCli(args, { timeoutMs: 30_000 });

describe('keystorm load (the real CLI)', () => {
  let server: TestServer;
  const seen: { url: string; header: string | undefined; method: string }[] = [];
  before(async () => {
    server = await startTestServer((req, res) => {
      seen.push({
        url: req.url ?? '',
        header: req.headers['x-probe'] as string | undefined,
        method: req.method ?? '',
      });
      res.statusCode = req.url?.startsWith('/deny') === true ? 401 : 200;
      res.end('ok');
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('prints one JSON object with corrected and uncorrected percentiles', async () => {
    const ran = await keystorm([
      'load',
      `${server.url}/probe?x=1`,
      '--rate',
      '50',
      '--duration',
      '1s',
      '--connections',
      '2',
      '--header',
      'X-Probe: yes',
      '--method',
      'post',
      '--json',
    ]);
    assert.equal(ran.code, 0, ran.stderr);
    const summary = JSON.parse(ran.stdout) as {
      totals: { requests: number; status: Record<string, number>; latency: Record<string, { p99: number }> };
      settings: { connections: number };
      phases: { scheduled: number }[];
      warmup: { connections: number; ok: number };
    };
    assert.equal(summary.totals.requests, 50);
    assert.deepEqual([summary.warmup.connections, summary.warmup.ok], [2, 2]);
    assert.equal(summary.totals.status['2xx'], 50);
    assert.equal(summary.settings.connections, 2);
    assert.ok(
      summary.totals.latency.corrected !== undefined && summary.totals.latency.uncorrected !== undefined,
    );
    // The timed run's 50 plus the warm-up's one per connection, all the same request.
    const probes = seen.filter((s) => s.url === '/probe?x=1');
    assert.equal(probes.length, 52);
    assert.ok(probes.every((p) => p.header === 'yes' && p.method === 'POST'));
  });

  it('prints a readable report with statuses, late and dropped starts', async () => {
    const ran = await keystorm(['load', `${server.url}/deny`, '--rate', '20', '--duration', '500ms']);
    // Every answer was an unexpected 401: nothing succeeded, so nothing was measured (exit 3).
    assert.equal(ran.code, 3, ran.stderr);
    assert.match(ran.stderr, /no request succeeded \(10 ended: 10 unexpected statuses\)/);
    assert.match(ran.stdout, /401 10\b/);
    assert.match(ran.stdout, /late \d+/);
    assert.match(ran.stdout, /dropped 0/);
    assert.match(ran.stdout, /corrected\s+[\d.]+/);
    assert.match(ran.stdout, /uncorrected\s+[\d.]+/);
    assert.match(ran.stdout, /unexpected 10 \(100\.00%\)/);
  });

  it('exits 2 naming the flag and value on bad input', async () => {
    for (const [args, pattern] of [
      [['--rate', 'lots'], /--rate: "lots"/],
      [['--duration', 'forever'], /--duration: "forever"/],
      [['--connections', '1.5'], /--connections: "1\.5"/],
      [['--header', 'no-colon'], /--header: "no-colon"/],
      [['--nope'], /--nope/],
      [['--connections', '20000'], /--connections: 20000 is above the cap of 10000/],
      [['--timeout', '2h'], /--timeout: 2h is longer than the 60m00s cap/],
    ] as const) {
      const ran = await keystorm(['load', server.url, ...args]);
      assert.equal(ran.code, 2, `${args.join(' ')}: ${ran.stderr}`);
      assert.match(ran.stderr, pattern);
    }
  });

  it('refuses a non-loopback target with exit 2 before sending anything', async () => {
    const ran = await keystorm(['load', 'http://192.0.2.10/', '--rate', '1', '--duration', '1s']);
    assert.equal(ran.code, 2);
    assert.match(ran.stderr, /ERR_NOT_LOOPBACK/);
  });
});

describe('keystorm load verdicts: thresholds, exit codes, dropped starts, warm-up', () => {
  let server: TestServer;
  /** Client ports of the connections requests arrived on: one per connection. */
  const connections = new Set<number>();
  before(async () => {
    server = await startTestServer((req, res) => {
      connections.add(req.socket.remotePort ?? 0);
      // /slow holds each answer 300 ms, so a small in-flight cap must drop starts.
      if (req.url === '/slow') setTimeout(() => res.end('ok'), 300);
      else res.end('ok');
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('exits 0 when every threshold is met and lists each verdict in the JSON', async () => {
    const ran = await keystorm([
      'load',
      server.url,
      '--rate',
      '40',
      '--duration',
      '500ms',
      '--threshold',
      'p(95)<5000',
      '--threshold',
      'unexpected_rate:rate<0.01',
      '--threshold',
      'dropped_rate:rate==0',
      '--json',
    ]);
    assert.equal(ran.code, 0, ran.stderr);
    const summary = JSON.parse(ran.stdout) as {
      thresholds: { metric: string; expression: string; status: string; samples: number }[];
    };
    assert.deepEqual(
      summary.thresholds.map((t) => [t.metric, t.expression, t.status]),
      [
        ['request_duration', 'p(95)<5000', 'pass'],
        ['unexpected_rate', 'rate<0.01', 'pass'],
        ['dropped_rate', 'rate==0', 'pass'],
      ],
    );
    assert.equal(summary.thresholds[0]?.samples, 20);
  });

  it('exits 1 naming the threshold when one is breached', async () => {
    const ran = await keystorm([
      'load',
      `${server.url}/slow`,
      '--rate',
      '20',
      '--duration',
      '500ms',
      '--threshold',
      'p(95)<100',
      '--threshold',
      'p(50)<60000',
    ]);
    assert.equal(ran.code, 1, ran.stderr);
    assert.match(ran.stdout, /BREACH request_duration:p\(95\)<100 — p\(95\) was \d+/);
    assert.match(ran.stdout, /ok {5}request_duration:p\(50\)<60000/);
    assert.match(ran.stderr, /exit 1: threshold breached: request_duration:p\(95\)<100$/m);
  });

  it('exits 3 and prints n/a percentiles when no request succeeded, thresholds or not', async () => {
    const closed = await startTestServer();
    const url = closed.url;
    await closed.close();
    for (const extra of [[], ['--threshold', 'p(95)<500']]) {
      const ran = await keystorm(['load', url, '--rate', '20', '--duration', '300ms', ...extra]);
      assert.equal(ran.code, 3, ran.stderr);
      assert.match(ran.stderr, /no request succeeded \(6 ended: 6 refused\); nothing was measured/);
      assert.match(ran.stdout, /corrected {8}n\/a {7}n\/a/);
      assert.doesNotMatch(ran.stdout, /corrected\s+0\.000/);
    }
  });

  it('exits 2 listing every bad threshold at once', async () => {
    const ran = await keystorm([
      'load',
      server.url,
      '--threshold',
      'p95<3',
      '--threshold',
      'jwks_fetches:count<1',
      '--threshold',
      'unexpected_rate:p(95)<1',
    ]);
    assert.equal(ran.code, 2, ran.stderr);
    assert.match(ran.stderr, /--threshold\[0\] "p95<3".*write p\(95\)/);
    assert.match(ran.stderr, /--threshold\[1\] "jwks_fetches:count<1".*not measured by keystorm load/);
    assert.match(ran.stderr, /--threshold\[2\] "unexpected_rate:p\(95\)<1".*does not apply to rate/);
  });

  it('counts dropped starts, warns with the cap to raise and shows percentiles counting them', async () => {
    const ran = await keystorm([
      'load',
      `${server.url}/slow`,
      '--rate',
      '40',
      '--duration',
      '500ms',
      '--max-in-flight',
      '2',
      '--connections',
      '2',
    ]);
    assert.equal(ran.code, 0, ran.stderr);
    const dropped = /dropped (\d+)/.exec(ran.stdout)?.[1];
    assert.ok(Number(dropped) >= 10, ran.stdout);
    assert.match(ran.stderr, new RegExp(`warning: ${dropped} of 20 scheduled starts .* --max-in-flight`));
    assert.match(ran.stdout, /corrected\* /);
    assert.match(ran.stdout, /\+ drops .*dropped/);
    assert.match(ran.stdout, /leaves out the \d+ dropped starts/);
  });

  it('opens every connection before the clock starts, unless told not to', async () => {
    connections.clear();
    const warm = await keystorm(['load', server.url, '--rate', '10', '--duration', '200ms', '--json']);
    assert.equal(warm.code, 0, warm.stderr);
    const summary = JSON.parse(warm.stdout) as {
      warmup?: { connections: number; requests: number; ok: number };
      totals: { requests: number };
    };
    assert.deepEqual(summary.warmup && [summary.warmup.requests, summary.warmup.ok], [10, 10]);
    assert.equal(summary.totals.requests, 2, 'warm-up requests are not counted in the run');
    assert.equal(connections.size, 10, 'the default 10 connections were all opened');
    connections.clear();
    const cold = await keystorm([
      'load',
      server.url,
      '--rate',
      '10',
      '--duration',
      '200ms',
      '--no-warmup',
      '--json',
    ]);
    assert.equal(cold.code, 0, cold.stderr);
    assert.equal((JSON.parse(cold.stdout) as { warmup?: unknown }).warmup, undefined);
    assert.ok(connections.size <= 2, `2 requests opened ${connections.size} connections`);
  });
});
