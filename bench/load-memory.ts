/**
 * Load engine memory: one run of 1,000,000 requests must stay under 150 MB RSS.
 *
 *   node --import tsx bench/load-memory.ts [--requests 1000000] [--rate 2000] [--connections 10]
 *
 * By default an open model at 2,000 req/s (the scheduled rate): 1M requests take
 * 500 s, so the per-second series grows to its full length too. With `--rate 0` a closed model
 * sends as fast as the endpoint answers instead (a stress of the allocation rate; results go to
 * load-memory-closed.json). Requests rotate over
 * four request kinds with different expected statuses, so per-kind histograms and series are
 * exercised too. The endpoint runs in a child process (see load-throughput.ts), so its memory
 * is not counted. Prints the peak RSS (sampled every 100 ms and the kernel's maxRSS) and writes
 * bench/results/load-memory.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runLoad } from '../src/load/index.ts';
import type { PhaseInput, RequestSpec } from '../src/load/index.ts';
import { startEndpoint } from './load-throughput.ts';

const here = dirname(fileURLToPath(import.meta.url));
const LIMIT_MB = 150;

const { values } = parseArgs({
  options: { requests: { type: 'string' }, rate: { type: 'string' }, connections: { type: 'string' } },
});
const requests = Number(values.requests ?? 1_000_000);
const rate = Number(values.rate ?? 2000);
const connections = Number(values.connections ?? 10);

const kinds: RequestSpec[] = [
  { path: '/', kind: 'fresh' },
  { path: '/', kind: 'expiring' },
  { path: '/', kind: 'refreshed' },
  { path: '/', kind: 'negative', expect: [401, 403] },
];

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;
let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 100);

const { url, child } = await startEndpoint();
const loadBefore = loadavg();
try {
  const phase: PhaseInput =
    rate > 0
      ? {
          type: 'constant-arrival',
          rate,
          duration: Math.ceil((requests / rate) * 1000),
          maxRequests: requests,
        }
      : { type: 'closed', vus: connections, duration: '1h', maxRequests: requests };
  const started = performance.now();
  const result = await runLoad({
    target: url,
    phases: [phase],
    source: (ctx) => kinds[ctx.seq % kinds.length] ?? { path: '/' },
    connections,
  });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  const maxRssKernel = process.resourceUsage().maxRSS * 1024;
  const s = result.summary;
  const summaryBytes = JSON.stringify(s).length;
  const out = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadavgBefore: loadBefore,
    loadavgAfter: loadavg(),
    note: 'machine shared with other jobs while measured',
    model: rate > 0 ? `open, ${rate} req/s` : `closed, ${connections} VUs`,
    requests: s.totals.requests,
    started: s.totals.started,
    dropped: s.totals.dropped,
    late: s.totals.late,
    errors: s.totals.errors.total,
    scheduleLagP99Ms: s.scheduleLag.p99,
    startLagP99Ms: s.startLag.p99,
    seconds: Math.round(seconds * 10) / 10,
    reqPerSec: Math.round(s.totals.requests / seconds),
    seriesPoints: s.series.length,
    summaryJsonBytes: summaryBytes,
    peakRssMB: mb(peakRss),
    kernelMaxRssMB: mb(maxRssKernel),
    heapUsedAtEndMB: mb(process.memoryUsage().heapUsed),
    limitMB: LIMIT_MB,
    met: Math.max(peakRss, maxRssKernel) < LIMIT_MB * 1024 * 1024,
  };
  console.log(
    `${out.requests} requests in ${out.seconds}s (${out.reqPerSec}/s, ${out.model}; dropped ${out.dropped}, ` +
      `late ${out.late}, errors ${out.errors}, schedule lag p99 ${out.scheduleLagP99Ms}ms); ` +
      `peak RSS ${out.peakRssMB} MB (kernel maxRSS ${out.kernelMaxRssMB} MB), limit ${LIMIT_MB} MB → ${out.met ? 'met' : 'NOT met'}`,
  );
  mkdirSync(join(here, 'results'), { recursive: true });
  const file = rate > 0 ? 'load-memory.json' : 'load-memory-closed.json';
  writeFileSync(join(here, 'results', file), `${JSON.stringify(out, null, 2)}\n`);
} finally {
  clearInterval(sampler);
  child.kill();
}
