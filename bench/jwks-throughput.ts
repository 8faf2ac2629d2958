/**
 * JWKS throughput: mock-idp vs oauth2-mock-server (npm, v8) in the same run.
 *
 *   node --import tsx bench/jwks-throughput.ts [--duration 3] [--rounds 3] [--connections 10]
 *
 * Both servers run in one child process (so the load generator does not share their event
 * loop) with an RS256 key each; autocannon drives each JWKS URL in turn over keep-alive
 * loopback connections after a one-second warm-up, in interleaved rounds (median reported). A bare node:http server writing the same
 * pre-built body is measured too: the ceiling of this machine at that moment. Prints a table and writes
 * bench/results/jwks-throughput.json. Targets: mock-idp ≥ 15 000 req/s and ≥ 5× the peer.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  pipelining?: number;
}) => Promise<AutocannonResult>;

const here = dirname(fileURLToPath(import.meta.url));

async function serve(): Promise<void> {
  const { startMockIdp } = await import('../mock-idp/index.ts');
  const { OAuth2Server } = await import('oauth2-mock-server');
  const idp = await startMockIdp({ alg: 'RS256', issuers: ['gitlab'], seed: 1 });
  const peer = new OAuth2Server();
  await peer.issuer.keys.generate('RS256');
  await peer.start(0, '127.0.0.1');
  // Same address family and no name lookup for both servers.
  const peerUrl = new URL(`${peer.issuer.url ?? ''}/jwks`);
  peerUrl.hostname = '127.0.0.1';
  // The ceiling on this machine right now: bare node:http writing the same pre-built body.
  const jwks = await fetch(idp.issuers[0]?.jwksUrl ?? '');
  const body = Buffer.from(await jwks.arrayBuffer());
  const headers = Object.fromEntries(jwks.headers);
  delete headers['keep-alive'];
  delete headers.connection;
  delete headers.date;
  const bare = createServer((_req, res) => {
    res.writeHead(200, headers);
    res.end(body);
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const barePort = (bare.address() as AddressInfo).port;
  process.stdout.write(
    `${JSON.stringify({ mockIdp: idp.issuers[0]?.jwksUrl, peer: peerUrl.href, bare: `http://127.0.0.1:${barePort}/jwks` })}\n`,
  );
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  bare.closeAllConnections();
  bare.close();
  await Promise.all([idp.close(), peer.stop()]);
}

async function run(): Promise<void> {
  const { values } = parseArgs({
    options: { duration: { type: 'string' }, connections: { type: 'string' }, rounds: { type: 'string' } },
  });
  const duration = Number(values.duration ?? '3');
  const rounds = Number(values.rounds ?? '3');
  if (!Number.isInteger(rounds) || rounds <= 0)
    throw new TypeError(`--rounds: ${values.rounds} is not a positive integer`);
  const connections = Number(values.connections ?? '10');
  if (!Number.isFinite(duration) || duration <= 0)
    throw new TypeError(`--duration: ${values.duration} is not a positive number of seconds`);
  if (!Number.isInteger(connections) || connections <= 0)
    throw new TypeError(`--connections: ${values.connections} is not a positive integer`);
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      const rl = createInterface({ input: child.stdout });
      rl.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`server process exited early (code ${code})`)));
      setTimeout(() => reject(new Error('server process did not start within 30 s')), 30_000).unref();
    });
    const urls = JSON.parse(line) as { mockIdp: string; peer: string; bare: string };
    const targets = [
      ['mock-idp', urls.mockIdp],
      ['oauth2-mock-server 8', urls.peer],
      ['bare node:http (ceiling)', urls.bare],
    ] as const;
    for (const [, url] of targets) await autocannon({ url, connections, duration: 1 }); // warm-up: JIT, sockets
    // Interleaved rounds, order rotated each round, median per server: a shared machine's load
    // swings over seconds, and measuring each server once, in turn, mostly measures the swings.
    const samples = new Map<string, AutocannonResult[]>(targets.map(([name]) => [name, []]));
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < targets.length; i++) {
        const [name, url] = targets[(i + round) % targets.length] as (typeof targets)[number];
        samples.get(name)?.push(await autocannon({ url, connections, duration }));
      }
    }
    const rows = targets.map(([server, url]) => {
      const runs = (samples.get(server) ?? [])
        .slice()
        .sort((a, b) => a.requests.average - b.requests.average);
      const median = runs[Math.floor(runs.length / 2)] as AutocannonResult;
      return {
        server,
        url,
        reqPerSec: Math.round(median.requests.average),
        rounds: runs.map((r) => Math.round(r.requests.average)).join(' / '),
        p50Ms: median.latency.p50,
        p99Ms: median.latency.p99,
        non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
        errors: runs.reduce((n, r) => n + r.errors + r.timeouts, 0),
      };
    });
    const [ours, peer, bare] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
    const ratio = peer.reqPerSec > 0 ? ours.reqPerSec / peer.reqPerSec : Infinity;
    console.table(rows.map(({ url: _url, ...row }) => row));
    const verdict = {
      target15k: ours.reqPerSec >= 15_000,
      target5x: ratio >= 5,
    };
    console.log(
      `mock-idp reaches ${((100 * ours.reqPerSec) / Math.max(1, bare.reqPerSec)).toFixed(0)} % of bare node:http on this machine right now`,
    );
    console.log(
      `mock-idp / oauth2-mock-server = ${ratio.toFixed(1)}×  (targets: ≥ 15 000 req/s ${verdict.target15k ? 'met' : 'MISSED'}, ≥ 5× ${verdict.target5x ? 'met' : 'MISSED'})`,
    );
    const out = join(here, 'results', 'jwks-throughput.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      out,
      `${JSON.stringify(
        {
          bench: 'jwks-throughput',
          date: new Date().toISOString(),
          node: process.version,
          cpus: cpus().length,
          connections,
          durationSeconds: duration,
          rounds,
          note: 'servers in one child process, autocannon in the parent; loopback; RS256 key each',
          rows,
          ratio: Number(ratio.toFixed(2)),
          shareOfBare: Number((ours.reqPerSec / Math.max(1, bare.reqPerSec)).toFixed(2)),
          verdict,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`written ${out}`);
  } finally {
    child.kill('SIGTERM');
  }
}

if (process.argv.includes('--serve')) await serve();
else await run();
