import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after as afterAll, before, describe, it } from 'node:test';
import { startTestServer } from './servers.ts';
import type { TestServer } from './servers.ts';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `keystorm` binary. */
function keystorm(args: string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/keystorm.mjs', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill(), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

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
    };
    assert.equal(summary.totals.requests, 50);
    assert.equal(summary.totals.status['2xx'], 50);
    assert.equal(summary.settings.connections, 2);
    assert.ok(
      summary.totals.latency.corrected !== undefined && summary.totals.latency.uncorrected !== undefined,
    );
    const probes = seen.filter((s) => s.url === '/probe?x=1');
    assert.equal(probes.length, 50);
    assert.ok(probes.every((p) => p.header === 'yes' && p.method === 'POST'));
  });

  it('prints a readable report with statuses, late and dropped starts', async () => {
    const ran = await keystorm(['load', `${server.url}/deny`, '--rate', '20', '--duration', '500ms']);
    assert.equal(ran.code, 0, ran.stderr);
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
