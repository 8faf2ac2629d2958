/**
 * Load engine speed, in one run:
 *   1. max throughput: keystorm's closed model (10 VUs, 10 connections) vs autocannon (npm,
 *      programmatic API, 10 connections) against the same trivial loopback endpoint, measured
 *      alternately (`--rounds`, default 5, each) after a warm-up, best and median reported;
 *      target: keystorm ≥ autocannon (best vs best; the median ratio is printed next to it,
 *      because one round on two shared cores swings by ±5 %); client CPU per request too;
 *   2. scheduling precision: 2,000 req/s scheduled for 10 s; target: p99 start lag < 2 ms,
 *      measured as the scheduler's lag (start made − start due); the send lag (which adds
 *      waiting for a free connection) is reported next to it.
 *
 *   node --import tsx bench/load-throughput.ts [--duration 5] [--connections 10] [--rounds 5]
 *
 * The endpoint is a bare node:http server in a child process (so neither generator shares its
 * event loop) answering `ok` with keep-alive. Prints a table and writes
 * bench/results/load-throughput.json. The 1,000,000-request memory check is bench/load-memory.ts.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runLoad } from '../src/load/index.ts';

interface AutocannonResult {
  requests: { total: number; average: number };
  duration: number;
  non2xx: number;
  errors: number;
}
type Autocannon = (opts: { url: string; connections: number; duration: number }) => Promise<AutocannonResult>;

const here = dirname(fileURLToPath(import.meta.url));

/** The endpoint: 200 `ok`, keep-alive, nothing else. Runs in the child process. */
function serve(): void {
  const body = Buffer.from('ok');
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
    res.end(body);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
}

/** Starts the endpoint as a child process; resolves with its URL. */
export async function startEndpoint(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'load-throughput.ts'), '--serve'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stdout = child.stdout;
  if (stdout === null) throw new Error('endpoint: no stdout');
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: stdout });
    rl.once('line', (l) => {
      rl.close();
      resolve(l);
    });
    child.once('exit', (code) => reject(new Error(`endpoint exited with ${String(code)}`)));
  });
  return { url: `http://127.0.0.1:${line.trim()}/`, child };
}

async function keystormClosed(url: string, seconds: number, connections: number): Promise<number> {
  const result = await runLoad({
    target: url,
    phases: [{ type: 'closed', vus: connections, duration: seconds * 1000 }],
    connections,
  });
  const s = result.summary;
  if (s.totals.unexpected > 0) throw new Error(`keystorm: ${s.totals.unexpected} unexpected outcomes`);
  return (s.totals.requests / s.scheduleMs) * 1000;
}

async function autocannonRun(
  autocannon: Autocannon,
  url: string,
  seconds: number,
  connections: number,
): Promise<number> {
  const r = await autocannon({ url, connections, duration: seconds });
  if (r.errors > 0 || r.non2xx > 0) throw new Error(`autocannon: ${r.errors} errors, ${r.non2xx} non-2xx`);
  return r.requests.total / r.duration;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { duration: { type: 'string' }, connections: { type: 'string' }, rounds: { type: 'string' } },
  });
  const seconds = Number(values.duration ?? 5);
  const connections = Number(values.connections ?? 10);
  const rounds = Number(values.rounds ?? 5);
  for (const [name, value, max] of [
    ['duration', seconds, 600],
    ['connections', connections, 1000],
    ['rounds', rounds, 50],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > max) {
      throw new TypeError(`--${name}: ${String(values[name])} is not a whole number from 1 to ${max}`);
    }
  }
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const { url, child } = await startEndpoint();
  const loadBefore = loadavg();
  try {
    // Warm-up: JIT, keep-alive connections, the server's own warm-up.
    await keystormClosed(url, 1, connections);
    await autocannonRun(autocannon, url, 1, connections);

    const ours: number[] = [];
    const theirs: number[] = [];
    const cpuOurs: number[] = [];
    const cpuTheirs: number[] = [];
    // CPU of this process (the generator; the endpoint is a child) per request, in µs.
    const timed = async (run: () => Promise<number>, rates: number[], cpu: number[]): Promise<void> => {
      const before = process.cpuUsage();
      const rate = await run();
      const used = process.cpuUsage(before);
      rates.push(rate);
      cpu.push((used.user + used.system) / (rate * seconds));
    };
    for (let round = 0; round < rounds; round++) {
      await timed(() => keystormClosed(url, seconds, connections), ours, cpuOurs);
      await timed(() => autocannonRun(autocannon, url, seconds, connections), theirs, cpuTheirs);
    }

    const lagRun = await runLoad({
      target: url,
      phases: [{ type: 'constant-arrival', rate: 2000, duration: '10s' }],
      connections,
    });
    const lag = lagRun.summary.scheduleLag;
    const sendLag = lagRun.summary.startLag;
    const best = (xs: number[]): number => Math.max(...xs);
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const results = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      loadavgBefore: loadBefore,
      loadavgAfter: loadavg(),
      note: 'client and endpoint share the two cores; run on a quiet machine (see loadavgBefore)',
      throughput: {
        connections,
        seconds,
        keystormReqPerSec: ours.map(Math.round),
        autocannonReqPerSec: theirs.map(Math.round),
        keystormBest: Math.round(best(ours)),
        autocannonBest: Math.round(best(theirs)),
        keystormMedian: Math.round(median(ours)),
        autocannonMedian: Math.round(median(theirs)),
        keystormCpuUsPerRequest: cpuOurs.map((c) => Math.round(c * 100) / 100),
        autocannonCpuUsPerRequest: cpuTheirs.map((c) => Math.round(c * 100) / 100),
        ratio: Math.round((best(ours) / best(theirs)) * 100) / 100,
        medianRatio: Math.round((median(ours) / median(theirs)) * 100) / 100,
        target: 'keystorm ≥ autocannon',
        met: best(ours) >= best(theirs),
      },
      startLagAt2000: {
        scheduled: lagRun.summary.phases[0]?.scheduled ?? 0,
        started: lagRun.summary.totals.started,
        dropped: lagRun.summary.totals.dropped,
        late: lagRun.summary.totals.late,
        achievedRate: lagRun.summary.achievedRate,
        // The target is on the scheduler's lag (start made − start due); the send lag adds
        // any wait for one of the connections, i.e. the endpoint's (and machine's) speed.
        scheduleLagMs: { p50: lag.p50, p90: lag.p90, p99: lag.p99, p99_9: lag.p99_9, max: lag.max },
        sendLagMs: {
          p50: sendLag.p50,
          p90: sendLag.p90,
          p99: sendLag.p99,
          p99_9: sendLag.p99_9,
          max: sendLag.max,
        },
        correctedP99Ms: lagRun.summary.totals.latency.corrected.p99,
        uncorrectedP99Ms: lagRun.summary.totals.latency.uncorrected.p99,
        target: 'p99 start lag < 2 ms',
        met: lag.p99 < 2,
      },
    };
    console.log(`max throughput, ${connections} connections, ${seconds}s each, alternating:`);
    console.log(`  keystorm (closed model)  ${ours.map((r) => r.toFixed(0).padStart(7)).join('')} req/s`);
    console.log(`  autocannon               ${theirs.map((r) => r.toFixed(0).padStart(7)).join('')} req/s`);
    console.log(
      `  best ratio ${results.throughput.ratio} → ${results.throughput.met ? 'met' : 'NOT met'} ` +
        `(median ratio ${results.throughput.medianRatio}); ` +
        `client CPU µs/request: keystorm ${results.throughput.keystormCpuUsPerRequest.join(' ')}, ` +
        `autocannon ${results.throughput.autocannonCpuUsPerRequest.join(' ')}`,
    );
    console.log(
      `2000 req/s scheduled: start (schedule) lag p50 ${lag.p50}ms p99 ${lag.p99}ms max ${lag.max}ms; ` +
        `send lag p99 ${sendLag.p99}ms, ` +
        `dropped ${results.startLagAt2000.dropped}, achieved ${results.startLagAt2000.achievedRate}/s → ${results.startLagAt2000.met ? 'met' : 'NOT met'}`,
    );
    console.log(
      `load average before ${loadBefore.map((l) => l.toFixed(1)).join(' ')}, after ${results.loadavgAfter.map((l) => l.toFixed(1)).join(' ')}`,
    );
    mkdirSync(join(here, 'results'), { recursive: true });
    writeFileSync(join(here, 'results', 'load-throughput.json'), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    child.kill();
  }
}

if (process.argv.includes('--serve')) serve();
else if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
