/**
 * Load engine speed and cost, side by side with autocannon (npm, programmatic API, same
 * process) and — for max throughput, when installed from Debian — wrk (a child process, its
 * CPU read by /usr/bin/time), in one run:
 *
 *   1. fixed rates (--rates, default 100,2000,10000 req/s), 10 connections: keystorm's open
 *      model vs autocannon's `overallRate`, alternating, `--rounds` each, with the even-pacing
 *      floor (bench/even-pacing-floor.ts: keystorm's scheduler on raw sockets, no HTTP client,
 *      no recording) for reference. Targets at every rate: keystorm's client CPU per request
 *      (median) ≤ autocannon's, and keystorm's start (schedule) lag p99 (median over rounds)
 *      < 2 ms;
 *   2. max throughput, 10 connections: keystorm's closed model vs autocannon vs wrk -t1.
 *      Targets: keystorm's median req/s ≥ autocannon's, and its CPU per request ≤ autocannon's.
 *
 *   node --import tsx bench/load-throughput.ts [--seconds 3] [--rounds 3] [--rates 100,2000,10000]
 *
 * Medians over rounds are the reported figures (every round is in the JSON). The endpoint is a
 * bare node:http server in a child process (so no generator shares its event loop) answering
 * `ok` with keep-alive. Prints a table and writes bench/results/load-throughput.json, whose
 * `targets` list says which targets are met. Memory is bench/load-memory.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
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
import { evenPacingFloor } from './even-pacing-floor.ts';

interface AutocannonResult {
  requests: { total: number; average: number };
  duration: number;
  non2xx: number;
  errors: number;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  overallRate?: number;
}) => Promise<AutocannonResult>;

const here = dirname(fileURLToPath(import.meta.url));

/**
 * How evenly requests arrived: the share of them that fell in the busiest tenth of the 10 ms
 * intervals the run spanned. Starts spread evenly give ~0.1; a generator that sends each
 * second's quota in a burst gives close to 1.
 */
function busiestTenthShare(buckets: Map<number, number>): number {
  if (buckets.size === 0) return 0;
  const keys = [...buckets.keys()];
  const span = Math.max(...keys) - Math.min(...keys) + 1;
  const counts = [...buckets.values()].sort((a, b) => b - a);
  const total = counts.reduce((a, b) => a + b, 0);
  const top = counts.slice(0, Math.max(1, Math.round(span / 10))).reduce((a, b) => a + b, 0);
  return Math.round((top / total) * 1000) / 1000;
}

/**
 * The endpoint: 200 `ok`, keep-alive, nothing else. Runs in the child process. It also counts
 * arrivals per 10 ms; `GET /__stats` answers their {@link busiestTenthShare} and starts over.
 */
function serve(): void {
  const body = Buffer.from('ok');
  let buckets = new Map<number, number>();
  const server = createServer((req, res) => {
    if (req.url === '/__stats') {
      res.end(JSON.stringify({ busiestTenthShare: busiestTenthShare(buckets) }));
      buckets = new Map();
      return;
    }
    const bucket = Math.floor(performance.now() / 10);
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
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

/** One measured run of a generator: requests per second and client CPU per request (µs). */
interface Measured {
  reqPerSec: number;
  cpuUsPerRequest: number;
  /** keystorm only: schedule lag p99 and send lag p99 (ms), dropped starts. */
  scheduleLagP99?: number;
  sendLagP99?: number;
  dropped?: number;
  /** Fixed rates: share of the requests in the busiest tenth of the run's 10 ms intervals. */
  busiestTenthShare?: number;
  /** The machine's 1-minute load average when the round ended. */
  loadavg1?: number;
}

/** Reads (and resets) the endpoint's arrival statistics. */
async function arrivalStats(url: string): Promise<number> {
  const res = await fetch(new URL('/__stats', url));
  return ((await res.json()) as { busiestTenthShare: number }).busiestTenthShare;
}

/** Measures a fixed-rate run together with how evenly its requests reached the endpoint. */
async function withArrivals(url: string, run: () => Promise<Measured>): Promise<Measured> {
  await arrivalStats(url);
  const measured = await run();
  return { ...measured, busiestTenthShare: await arrivalStats(url) };
}

/** Runs `fn` and charges this process's CPU (every thread) to the requests it made. */
async function charged(
  fn: () => Promise<{ requests: number; seconds: number } & Partial<Measured>>,
): Promise<Measured> {
  const before = process.cpuUsage();
  const r = await fn();
  const used = process.cpuUsage(before);
  const { requests, seconds, ...rest } = r;
  return {
    ...rest,
    loadavg1: round2(loadavg()[0] ?? NaN),
    reqPerSec: Math.round(requests / seconds),
    cpuUsPerRequest: round2((used.user + used.system) / Math.max(1, requests)),
  };
}

function keystormAt(url: string, rate: number, seconds: number, connections: number): Promise<Measured> {
  return charged(async () => {
    const { summary: s } = await runLoad({
      target: url,
      phases: [{ type: 'constant-arrival', rate, duration: seconds * 1000 }],
      connections,
      warmup: true,
      // As `keystorm load` runs it (a process that only sends).
      finalWait: 'block',
    });
    if (s.totals.unexpected > 0) throw new Error(`keystorm: ${s.totals.unexpected} unexpected outcomes`);
    return {
      requests: s.totals.requests,
      seconds: s.scheduleMs / 1000,
      scheduleLagP99: s.scheduleLag.p99,
      sendLagP99: s.startLag.p99,
      dropped: s.totals.dropped,
    };
  });
}

function keystormClosed(url: string, seconds: number, connections: number): Promise<Measured> {
  return charged(async () => {
    const { summary: s } = await runLoad({
      target: url,
      phases: [{ type: 'closed', vus: connections, duration: seconds * 1000 }],
      connections,
    });
    if (s.totals.unexpected > 0) throw new Error(`keystorm: ${s.totals.unexpected} unexpected outcomes`);
    return { requests: s.totals.requests, seconds: s.scheduleMs / 1000 };
  });
}

function autocannonRun(
  autocannon: Autocannon,
  url: string,
  seconds: number,
  connections: number,
  rate?: number,
): Promise<Measured> {
  return charged(async () => {
    const r = await autocannon({
      url,
      connections,
      duration: seconds,
      ...(rate ? { overallRate: rate } : {}),
    });
    if (r.errors > 0 || r.non2xx > 0) throw new Error(`autocannon: ${r.errors} errors, ${r.non2xx} non-2xx`);
    return { requests: r.requests.total, seconds: r.duration };
  });
}

/** wrk -t1 as a child under /usr/bin/time; undefined when wrk or /usr/bin/time is missing. */
function wrkRun(url: string, seconds: number, connections: number): Measured | undefined {
  const ran = spawnSync(
    '/usr/bin/time',
    ['-f', 'cpu %U %S', 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, url],
    { encoding: 'utf8' },
  );
  if (ran.status !== 0) return undefined;
  const total = /(\d+) requests in ([\d.]+)s/.exec(ran.stdout);
  const cpu = /cpu ([\d.]+) ([\d.]+)/.exec(ran.stderr);
  if (total === null || cpu === null) return undefined;
  const requests = Number(total[1]);
  return {
    loadavg1: round2(loadavg()[0] ?? NaN),
    reqPerSec: Math.round(requests / Number(total[2])),
    cpuUsPerRequest: round2(((Number(cpu[1]) + Number(cpu[2])) * 1e6) / requests),
  };
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const medianOf = (runs: Measured[], key: keyof Measured): number =>
  median(runs.map((r) => r[key]).filter((v): v is number => v !== undefined));

interface Target {
  name: string;
  met: boolean;
  detail: string;
}

function options(): { seconds: number; rounds: number; rates: number[]; connections: number } {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      rounds: { type: 'string' },
      rates: { type: 'string' },
      connections: { type: 'string' },
    },
  });
  const seconds = Number(values.seconds ?? 3);
  const rounds = Number(values.rounds ?? 3);
  const connections = Number(values.connections ?? 10);
  for (const [name, value, max] of [
    ['seconds', seconds, 600],
    ['rounds', rounds, 50],
    ['connections', connections, 1000],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > max) {
      throw new TypeError(`--${name}: ${String(values[name])} is not a whole number from 1 to ${max}`);
    }
  }
  const rates = (values.rates ?? '100,2000,10000').split(',').map(Number);
  if (rates.some((r) => !(r > 0 && r <= 100_000)))
    throw new TypeError(`--rates: ${values.rates} must be rates from 1 to 100000`);
  return { seconds, rounds, rates, connections };
}

async function main(): Promise<void> {
  const { seconds, rounds, rates, connections } = options();
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const { url, child } = await startEndpoint();
  const loadBefore = loadavg();
  const targets: Target[] = [];
  try {
    // Warm-up of both models and both generators (JIT, the server's own warm-up), so no
    // measured round pays for compiling a code path for the first time.
    await keystormClosed(url, 1, connections);
    await keystormAt(url, 2000, 1, connections);
    await autocannonRun(autocannon, url, 1, connections);
    await autocannonRun(autocannon, url, 1, connections, 2000);

    const fixed: Record<string, { keystorm: Measured[]; autocannon: Measured[]; floor: Measured[] }> = {};
    for (const rate of rates) {
      const runs = { keystorm: [] as Measured[], autocannon: [] as Measured[], floor: [] as Measured[] };
      for (let round = 0; round < rounds; round++) {
        runs.keystorm.push(await withArrivals(url, () => keystormAt(url, rate, seconds, connections)));
        runs.floor.push(
          await withArrivals(url, () => charged(() => evenPacingFloor(url, rate, seconds, connections))),
        );
        runs.autocannon.push(
          await withArrivals(url, () => autocannonRun(autocannon, url, seconds, connections, rate)),
        );
      }
      fixed[rate] = runs;
      const ours = medianOf(runs.keystorm, 'cpuUsPerRequest');
      const theirs = medianOf(runs.autocannon, 'cpuUsPerRequest');
      const lag = medianOf(runs.keystorm, 'scheduleLagP99');
      targets.push(
        {
          name: `cpu per request at ${rate}/s ≤ autocannon`,
          met: ours <= theirs,
          detail: `${ours} µs vs ${theirs} µs`,
        },
        { name: `start lag p99 at ${rate}/s < 2 ms`, met: lag < 2, detail: `${lag} ms` },
      );
      console.log(
        `${String(rate).padStart(6)}/s  keystorm cpu ${ours} µs/req, schedule lag p99 ${lag} ms, send lag p99 ${medianOf(runs.keystorm, 'sendLagP99')} ms, ` +
          `achieved ${medianOf(runs.keystorm, 'reqPerSec')}/s, busiest tenth ${medianOf(runs.keystorm, 'busiestTenthShare')} · ` +
          `autocannon cpu ${theirs} µs/req, achieved ${medianOf(runs.autocannon, 'reqPerSec')}/s, busiest tenth ${medianOf(runs.autocannon, 'busiestTenthShare')} · ` +
          `even-pacing floor cpu ${medianOf(runs.floor, 'cpuUsPerRequest')} µs/req`,
      );
    }

    const max = { keystorm: [] as Measured[], autocannon: [] as Measured[], wrk: [] as Measured[] };
    for (let round = 0; round < rounds; round++) {
      max.keystorm.push(await keystormClosed(url, seconds, connections));
      max.autocannon.push(await autocannonRun(autocannon, url, seconds, connections));
      const w = wrkRun(url, seconds, connections);
      if (w !== undefined) max.wrk.push(w);
    }
    const ksRate = medianOf(max.keystorm, 'reqPerSec');
    const acRate = medianOf(max.autocannon, 'reqPerSec');
    const ksCpu = medianOf(max.keystorm, 'cpuUsPerRequest');
    const acCpu = medianOf(max.autocannon, 'cpuUsPerRequest');
    targets.push(
      {
        name: 'max throughput median ≥ autocannon',
        met: ksRate >= acRate,
        detail: `${ksRate} vs ${acRate} req/s`,
      },
      {
        name: 'cpu per request at full speed ≤ autocannon',
        met: ksCpu <= acCpu,
        detail: `${ksCpu} µs vs ${acCpu} µs`,
      },
    );
    const row = (name: string, runs: Measured[]): string =>
      `  ${name.padEnd(24)} ${runs.map((r) => String(r.reqPerSec).padStart(7)).join('')} req/s · median ${medianOf(runs, 'reqPerSec')} · cpu ${medianOf(runs, 'cpuUsPerRequest')} µs/req`;
    console.log(`max throughput, ${connections} connections, ${seconds}s each, alternating:`);
    console.log(row('keystorm (closed model)', max.keystorm));
    console.log(row('autocannon', max.autocannon));
    if (max.wrk.length > 0) console.log(row('wrk -t1', max.wrk));
    else console.log('  wrk: not installed (apt-get install wrk), skipped');
    for (const t of targets) console.log(`${t.met ? 'met    ' : 'NOT met'} ${t.name}: ${t.detail}`);
    const loadAfter = loadavg();
    console.log(
      `load average before ${loadBefore.map((l) => l.toFixed(1)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(1)).join(' ')}`,
    );
    const results = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      loadavgBefore: loadBefore,
      loadavgAfter: loadAfter,
      note: 'client and endpoint share the machine; figures are medians over rounds; compare loadavg',
      seconds,
      rounds,
      connections,
      fixedRate: fixed,
      maxThroughput: max,
      targets,
      met: targets.every((t) => t.met),
    };
    mkdirSync(join(here, 'results'), { recursive: true });
    writeFileSync(join(here, 'results', 'load-throughput.json'), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    child.kill();
  }
}

if (process.argv.includes('--serve')) serve();
else if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
