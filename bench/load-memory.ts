/**
 * Memory and long-run precision of `keystorm load`, as a user runs it: the real CLI under
 * /usr/bin/time, whose peak RSS (%M, the kernel's maxRSS of the process) is the figure.
 *
 *   node --import tsx bench/load-memory.ts [--requests 1000000] [--rate 2000] [--connections 10]
 *
 * Two runs against a bare node:http endpoint in a child process (see load-throughput.ts):
 *   1. start-up: `--rate 1 --duration 1s`, i.e. what the CLI costs before it sends much;
 *   2. the long run: `--requests` at `--rate` (1,000,000 at 2,000 req/s = 500 s: the per-second
 *      series reaches its full length too).
 * Targets: the long run's peak RSS < 120 MB, and its start (schedule) lag p99 < 2 ms — the same
 * target as a short run's (bench/load-throughput.ts). Writes bench/results/load-memory.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { LoadSummary } from '../src/load/index.ts';
import { startEndpoint } from './load-throughput.ts';

const here = dirname(fileURLToPath(import.meta.url));
const LIMIT_MB = 120;

/** The CLI's `--json` report: the summary plus what V8 made of its memory flags. */
type CliReport = LoadSummary & { process?: { newSpaceMB: number; v8Flags: string[] } };

interface Timed {
  summary: CliReport;
  peakRssMB: number;
  cpuSeconds: number;
  wallSeconds: number;
}

/** Runs `keystorm load` under /usr/bin/time and reads its JSON summary and peak RSS. */
function timedCli(args: string[]): Promise<Timed> {
  const bin = join(here, '..', 'bin', 'keystorm.mjs');
  const started = performance.now();
  const child = spawn(
    '/usr/bin/time',
    ['-f', 'maxrss %M cpu %U %S', process.execPath, bin, 'load', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const m = /maxrss (\d+) cpu ([\d.]+) ([\d.]+)/.exec(stderr);
      if (code !== 0 || m === null) {
        reject(new Error(`keystorm load exited ${String(code)}: ${stderr.slice(-2000)}`));
        return;
      }
      resolve({
        summary: JSON.parse(stdout) as CliReport,
        peakRssMB: Math.round(Number(m[1]) / 102.4) / 10,
        cpuSeconds: Number(m[2]) + Number(m[3]),
        wallSeconds: Math.round((performance.now() - started) / 100) / 10,
      });
    });
  });
}

const { values } = parseArgs({
  options: { requests: { type: 'string' }, rate: { type: 'string' }, connections: { type: 'string' } },
});
const requests = Number(values.requests ?? 1_000_000);
const rate = Number(values.rate ?? 2000);
const connections = Number(values.connections ?? 10);
if (!(Number.isInteger(requests) && requests > 0 && rate > 0 && Number.isInteger(connections))) {
  throw new TypeError('--requests, --rate and --connections must be positive numbers');
}

const { url, child } = await startEndpoint();
const loadBefore = loadavg();
try {
  const startup = await timedCli([url, '--rate', '1', '--duration', '1s', '--json']);
  const seconds = Math.ceil(requests / rate);
  const long = await timedCli([
    url,
    '--rate',
    String(rate),
    '--duration',
    `${seconds}s`,
    '--connections',
    String(connections),
    '--json',
  ]);
  const s = long.summary;
  const targets = [
    {
      name: `peak RSS < ${LIMIT_MB} MB for ${requests} requests at ${rate}/s`,
      met: long.peakRssMB < LIMIT_MB,
      detail: `${long.peakRssMB} MB`,
    },
    {
      name: `start lag p99 < 2 ms over a ${seconds} s run`,
      met: s.scheduleLag.p99 < 2,
      detail: `${s.scheduleLag.p99} ms`,
    },
  ];
  const out = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadavgBefore: loadBefore,
    loadavgAfter: loadavg(),
    note: 'the CLI under /usr/bin/time (%M); the endpoint is a separate process',
    startup: {
      peakRssMB: startup.peakRssMB,
      cpuSeconds: startup.cpuSeconds,
      requests: startup.summary.totals.requests,
    },
    run: {
      rate,
      seconds,
      requests: s.totals.requests,
      dropped: s.totals.dropped,
      late: s.totals.late,
      errors: s.totals.errors.total,
      scheduleLagP99Ms: s.scheduleLag.p99,
      sendLagP99Ms: s.startLag.p99,
      seriesPoints: s.series.length,
      peakRssMB: long.peakRssMB,
      // V8's new space at the end of the run: 2 MB when the young-generation cap held
      // (src/load/cli-memory.ts), 32 MB when it grew unchecked.
      newSpaceMB: s.process?.newSpaceMB,
      v8Flags: s.process?.v8Flags,
      cpuSeconds: long.cpuSeconds,
      cpuUsPerRequest: Math.round(((long.cpuSeconds * 1e6) / Math.max(1, s.totals.requests)) * 10) / 10,
      wallSeconds: long.wallSeconds,
    },
    targets,
    met: targets.every((t) => t.met),
  };
  console.log(
    `start-up: peak RSS ${startup.peakRssMB} MB, ${startup.cpuSeconds.toFixed(2)} s CPU; ` +
      `${s.totals.requests} requests at ${rate}/s: peak RSS ${long.peakRssMB} MB, ` +
      `schedule lag p99 ${s.scheduleLag.p99} ms, dropped ${s.totals.dropped}, ${out.run.cpuUsPerRequest} µs CPU/request, ` +
      `new space ${String(s.process?.newSpaceMB)} MB; load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
  );
  for (const t of targets) console.log(`${t.met ? 'met    ' : 'NOT met'} ${t.name}: ${t.detail}`);
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'load-memory.json'), `${JSON.stringify(out, null, 2)}\n`);
} finally {
  child.kill();
}
