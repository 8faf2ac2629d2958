/**
 * Overhead of the embedded Toxiproxy-compatible proxy, measured like the real Toxiproxy was:
 * autocannon -c 10 against a trivial node:http upstream: direct, through the proxy with no toxic,
 * and through a 200 ms latency toxic, taking turns in 2 s rounds. Upstream and proxy run as their
 * own processes (as a real Toxiproxy would), autocannon in this one; all share the cores.
 *
 *   node --import tsx bench/proxy-overhead.ts [--duration 10]
 *
 * When haproxy and/or socat are installed (`apt-get install haproxy socat`), they join as
 * plain TCP forwarders written in C: no real Toxiproxy binary can be installed here, and they
 * show what any extra forwarding process costs on these two cores (the ceiling for the ratio).
 *
 * Prints a table and writes bench/results/proxy-overhead.json.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { connect, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { JsHistogram } from 'hdr-histogram-js';
import { createLatencyHistogram, recordMs } from '../src/load/histogram.ts';

interface AutocannonResult {
  requests: { average: number; total: number };
  errors: number;
  non2xx: number;
}
interface AutocannonInstance extends Promise<AutocannonResult> {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  pipelining?: number;
  connectionRate?: number;
}) => AutocannonInstance;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
const here = dirname(fileURLToPath(import.meta.url));
const CONNECTIONS = 10;
const LATENCY_MS = 200;
const ROUND_S = 2;

const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' } } });
const DURATION_S = Number(values.duration);
if (!Number.isFinite(DURATION_S) || DURATION_S < 1 || DURATION_S > 120) {
  throw new TypeError(`--duration: ${values.duration} is not a number of seconds between 1 and 120`);
}

const children: ChildProcess[] = [];
function cleanup(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}
process.on('exit', cleanup);

/** Spawns a child that prints one line we wait for (a port or a URL). */
function spawnAndRead(args: string[], pattern: RegExp): Promise<string> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`child did not start: ${out}`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = pattern.exec(out);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`child exited with ${code}: ${out}`)));
  });
}

const UPSTREAM = `
const http = require('node:http');
const server = http.createServer((req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () => console.log('port=' + server.address().port));
process.on('SIGTERM', () => process.exit(0));
`;

async function startProxyProcess(): Promise<string> {
  const cli = pathToFileURL(join(here, '../src/proxy/cli.ts')).href;
  const code = `import { main } from ${JSON.stringify(cli)}; process.exitCode = await main(process.argv.slice(1));`;
  return spawnAndRead(
    ['--import', 'tsx', '--input-type=module', '-e', code, '--', '--port', '0', '--seed', '1'],
    /^(http:\/\/\S+)$/m,
  );
}

/** True when `command` is on PATH. */
function installed(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** A free loopback port (listen on 0, read it, close). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** Waits until something accepts TCP connections on the port (a peer we cannot ask to print it). */
async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      }).once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

/**
 * Native TCP forwarders to the upstream, each as its own single-threaded process like ours:
 * haproxy in TCP mode (epoll, one thread) and socat (fork per connection). Only those installed.
 */
async function startPeers(upstreamPort: string): Promise<Record<string, string>> {
  const peers: Record<string, string> = {};
  if (installed('haproxy')) {
    const port = await freePort();
    const config = join(mkdtempSync(join(tmpdir(), 'keystorm-bench-')), 'haproxy.cfg');
    writeFileSync(
      config,
      [
        'global',
        '  nbthread 1',
        'defaults',
        '  mode tcp',
        '  timeout connect 5s',
        '  timeout client 30s',
        '  timeout server 30s',
        'listen bench',
        `  bind 127.0.0.1:${port}`,
        `  server upstream 127.0.0.1:${upstreamPort}`,
        '',
      ].join('\n'),
    );
    children.push(spawn('haproxy', ['-f', config], { stdio: ['ignore', 'ignore', 'inherit'] }));
    await waitForPort(port);
    peers['haproxy (tcp mode, 1 thread)'] = `http://127.0.0.1:${port}/`;
  }
  if (installed('socat')) {
    const port = await freePort();
    children.push(
      spawn('socat', [`TCP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr`, `TCP:127.0.0.1:${upstreamPort}`], {
        stdio: ['ignore', 'ignore', 'inherit'],
      }),
    );
    await waitForPort(port);
    peers['socat (fork per connection)'] = `http://127.0.0.1:${port}/`;
  }
  return peers;
}

async function call(url: string, method: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

interface Measurement {
  rps: number;
  requests: number;
  errors: number;
  p50: number;
  p90: number;
  p99: number;
}

/**
 * Latencies of one leg, merged over its rounds, in an HDR histogram (µs, 3 digits). Not an
 * array: the saturated legs log ~100k responses a second, and a growing array of them made
 * this process stop for garbage collection mid-round, which showed up as tens of ms on
 * whatever response was due then.
 */
interface Samples {
  histogram: JsHistogram;
  requests: number;
  seconds: number;
  errors: number;
}

/**
 * One autocannon run; latencies are taken from its per-response hook at sub-ms precision (the
 * raw response time, never autocannon's coordinated-omission estimate). `connectionRate` paces
 * each connection to that many requests per second.
 */
async function run(url: string, durationS: number, into: Samples, connectionRate?: number): Promise<void> {
  const instance = autocannon({
    url,
    connections: CONNECTIONS,
    duration: durationS,
    ...(connectionRate === undefined ? {} : { connectionRate }),
  });
  instance.on('response', (_client, _status, _bytes, ms) => recordMs(into.histogram, ms));
  const result = await instance;
  into.requests += result.requests.total;
  into.seconds += durationS;
  into.errors += result.errors + result.non2xx;
}

function summarise(samples: Samples): Measurement {
  const ms = (p: number): number => samples.histogram.getValueAtPercentile(p) / 1000;
  return {
    rps: samples.requests / samples.seconds,
    requests: samples.requests,
    errors: samples.errors,
    p50: ms(50),
    p90: ms(90),
    p99: ms(99),
  };
}

const empty = (): Samples => ({ histogram: createLatencyHistogram(), requests: 0, seconds: 0, errors: 0 });

/**
 * CPU time (user + system, ms) a child has used, from /proc (Linux; undefined elsewhere). It
 * does not depend on what else runs on the machine, unlike req/s on shared cores.
 */
function cpuMs(child: ChildProcess | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${child?.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the file, in clock ticks (USER_HZ, 100 on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

const round = (n: number, digits = 2): number => Number(n.toFixed(digits));

/** One side of the comparison: where autocannon points, and what to switch on around it. */
interface Leg {
  url: string;
  /** Requests per second per connection; unset = as fast as the responses come back. */
  connectionRate?: number;
  setup?: () => Promise<unknown>;
  teardown?: () => Promise<unknown>;
  samples: Samples;
  /** CPU ms the proxy and the upstream processes used while this leg ran. */
  cpu: { proxy: number; upstream: number };
}

/**
 * The legs run in turns of ROUND_S seconds until each has had `totalS`, so a neighbour's burst
 * of CPU use on a shared machine hurts every leg alike instead of whichever ran at that moment.
 */
async function interleaved(legs: Leg[], totalS: number, processes: ChildProcess[]): Promise<void> {
  const [upstream, proxy] = processes;
  const rounds = Math.max(1, Math.round(totalS / ROUND_S));
  for (let i = 0; i < rounds; i++) {
    for (const leg of legs) {
      await leg.setup?.();
      const before = { proxy: cpuMs(proxy), upstream: cpuMs(upstream) };
      await run(leg.url, ROUND_S, leg.samples, leg.connectionRate);
      const after = { proxy: cpuMs(proxy), upstream: cpuMs(upstream) };
      leg.cpu.proxy += (after.proxy ?? NaN) - (before.proxy ?? NaN);
      leg.cpu.upstream += (after.upstream ?? NaN) - (before.upstream ?? NaN);
      await leg.teardown?.();
    }
  }
}

const leg = (url: string, hooks: Pick<Leg, 'setup' | 'teardown' | 'connectionRate'> = {}): Leg => ({
  url,
  ...hooks,
  samples: empty(),
  cpu: { proxy: 0, upstream: 0 },
});

async function main(): Promise<void> {
  const upstreamPort = await spawnAndRead(['-e', UPSTREAM], /port=(\d+)/);
  const api = await startProxyProcess();
  const proxy = await call(`${api}/proxies`, 'POST', {
    name: 'bench',
    upstream: `127.0.0.1:${upstreamPort}`,
  });
  const direct = `http://127.0.0.1:${upstreamPort}/`;
  const proxied = `http://${String(proxy.listen)}/`;
  const peerUrls = await startPeers(upstreamPort);

  console.error(
    `warming up (2 s each), then ${DURATION_S} s per run with -c ${CONNECTIONS} in ${ROUND_S} s rounds…`,
  );
  const loadBefore = loadavg()[0] ?? 0;
  await run(direct, 2, empty());
  await run(proxied, 2, empty());
  for (const url of Object.values(peerUrls)) await run(url, 1, empty());

  const toxicPath = `${api}/proxies/bench/toxics`;
  // The latency leg sends 5 requests per connection per second (each held 200 ms), so one in
  // ten of its samples is a connection's first request, which pays for connecting (~1-2 ms, up
  // to ~12 ms while cold, even direct). The saturated direct leg has almost none of those, so
  // its p99 is no baseline for the toxic's: a direct leg at the same pace is.
  const pace = 1000 / LATENCY_MS;
  const legs = {
    direct: leg(direct),
    directPaced: leg(direct, { connectionRate: pace }),
    proxied: leg(proxied),
    latency: leg(proxied, {
      setup: () => call(toxicPath, 'POST', { type: 'latency', attributes: { latency: LATENCY_MS } }),
      teardown: () => fetch(`${toxicPath}/latency_downstream`, { method: 'DELETE' }),
    }),
  };
  const peerLegs = Object.entries(peerUrls).map(([name, url]) => ({ name, leg: leg(url) }));
  await interleaved(
    [legs.direct, legs.proxied, ...peerLegs.map((p) => p.leg), legs.directPaced, legs.latency],
    DURATION_S,
    children,
  );

  const directRun = summarise(legs.direct.samples);
  const peerRuns = peerLegs.map(({ name, leg }) => {
    const measurement = summarise(leg.samples);
    return { name, ...measurement, rpsRatio: round(measurement.rps / directRun.rps, 3) };
  });
  const proxiedRun = summarise(legs.proxied.samples);
  const directPacedRun = summarise(legs.directPaced.samples);
  const latencyRun = summarise(legs.latency.samples);
  const perRequestUs = (ms: number, requests: number): number | null =>
    Number.isFinite(ms) ? round((ms * 1000) / requests, 1) : null;
  const cpu = {
    upstreamUsPerRequest: perRequestUs(
      legs.direct.cpu.upstream + legs.proxied.cpu.upstream,
      directRun.requests + proxiedRun.requests,
    ),
    proxyUsPerRequest: perRequestUs(legs.proxied.cpu.proxy, proxiedRun.requests),
  };

  const ratio = proxiedRun.rps / directRun.rps;
  const addedP50 = proxiedRun.p50 - directRun.p50;
  const toxicP50 = latencyRun.p50 - directPacedRun.p50 - LATENCY_MS;
  const toxicP99 = latencyRun.p99 - directPacedRun.p99 - LATENCY_MS;
  // Information only: the same against the saturated direct leg (mixes connection setup in).
  const toxicP99VsSaturated = latencyRun.p99 - directRun.p99 - LATENCY_MS;
  const results = {
    benchmark: 'proxy-overhead',
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAverage1mBefore: round(loadBefore),
      loadAverage1mAfter: round(loadavg()[0] ?? 0),
    },
    note: 'upstream, proxy and autocannon share the cores; on a shared machine numbers vary — re-run on a quiet one',
    settings: {
      connections: CONNECTIONS,
      durationSeconds: DURATION_S,
      roundSeconds: ROUND_S,
      latencyToxicMs: LATENCY_MS,
    },
    direct: directRun,
    proxied: proxiedRun,
    directPaced: directPacedRun,
    peers: peerRuns,
    latencyToxic: latencyRun,
    cpu,
    summary: {
      rpsRatio: round(ratio, 3),
      addedP50Ms: round(addedP50, 3),
      latencyToxicAddedP50Ms: round(toxicP50, 3),
      latencyToxicAddedP99Ms: round(toxicP99, 3),
      latencyToxicAddedP99VsSaturatedDirectMs: round(toxicP99VsSaturated, 3),
    },
    targets: {
      rpsRatioAtLeast: 0.5,
      latencyToxicP50WithinMs: 2,
      latencyToxicP99WithinMs: 5,
      met: {
        rpsRatio: ratio >= 0.5,
        latencyToxicP50: Math.abs(toxicP50) <= 2,
        latencyToxicP99: Math.abs(toxicP99) <= 5,
      },
    },
    reference: {
      realToxiproxy: { rpsRatio: '0.35–0.40', addedP50Ms: 0.7, latencyToxicAddedP50Ms: '+1.4 to +1.9' },
    },
  };

  const row = (name: string, m: Measurement): string =>
    `${name.padEnd(26)} ${m.rps.toFixed(0).padStart(8)} ${m.p50.toFixed(2).padStart(9)} ${m.p90.toFixed(2).padStart(9)} ${m.p99.toFixed(2).padStart(9)} ${String(m.errors).padStart(7)}`;
  console.log(
    `\n${'run'.padEnd(26)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(9)} ${'p90 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'errors'.padStart(7)}`,
  );
  console.log(row('direct', directRun));
  console.log(row('proxy, no toxic', proxiedRun));
  for (const peer of peerRuns) console.log(row(peer.name, peer));
  console.log(row(`direct, ${pace}/s per conn`, directPacedRun));
  console.log(row(`proxy, latency ${LATENCY_MS} ms`, latencyRun));
  const mark = (ok: boolean): string => (ok ? 'met' : 'MISSED');
  console.log(
    `\nreq/s ratio proxy/direct: ${ratio.toFixed(3)} (target ≥ 0.5; real Toxiproxy 0.35–0.40) ${mark(results.targets.met.rpsRatio)}`,
  );
  for (const peer of peerRuns) console.log(`  ${peer.name}: ${peer.rpsRatio.toFixed(3)} of direct`);
  if (peerRuns.length === 0)
    console.log('  (apt-get install haproxy socat to compare with native forwarders)');
  if (cpu.proxyUsPerRequest !== null) {
    console.log(
      `CPU per request: proxy ${cpu.proxyUsPerRequest} µs, upstream ${cpu.upstreamUsPerRequest} µs (independent of machine load)`,
    );
  }
  console.log(`p50 added by the proxy:   ${addedP50.toFixed(2)} ms (real Toxiproxy ≈ 0.7 ms)`);
  console.log(
    `latency toxic, p50 beyond ${LATENCY_MS} ms: ${toxicP50.toFixed(2)} ms (target ±2) ${mark(results.targets.met.latencyToxicP50)}`,
  );
  console.log(
    `latency toxic, p99 beyond ${LATENCY_MS} ms: ${toxicP99.toFixed(2)} ms (target ±5) ${mark(results.targets.met.latencyToxicP99)}`,
  );
  console.log(
    `  (both against the direct leg at the same pace; p99 against the saturated direct leg: ${toxicP99VsSaturated.toFixed(2)} ms)`,
  );

  const out = join(here, 'results/proxy-overhead.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote ${out}`);
}

try {
  await main();
} finally {
  cleanup();
}
