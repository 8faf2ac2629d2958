/**
 * Tiny SUT programs written to a temp dir for the lifecycle tests: real processes, real ports.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A well-behaved SUT: listens on $PORT (or 0), prints the listening line, answers /ready with
 * 503 until READY_DELAY_MS passed, counts GET /hit in a Prometheus counter, prints `msg` of
 * GET /log?msg=… to stdout, echoes its identity env at start and exits on SIGTERM.
 */
const SERVER = String.raw`
import { createServer } from 'node:http';
const started = Date.now();
const delay = Number(process.env.READY_DELAY_MS ?? 0);
let hits = 0;
console.log(JSON.stringify({ msg: 'env', replica: process.env.REPLICA_ID ?? null, jwks: process.env.JWKS_URL ?? null }));
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/ready') {
    const ready = Date.now() - started >= delay;
    res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ready }));
  } else if (url.pathname === '/hit') {
    hits++;
    res.end('ok');
  } else if (url.pathname === '/log') {
    console.log(url.searchParams.get('msg'));
    res.end('logged');
  } else if (url.pathname === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end('# HELP hits_total Hits.\n# TYPE hits_total counter\nhits_total{route="/hit"} ' + hits + '\nup 1\n');
  } else {
    res.writeHead(404).end();
  }
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'listening', url: 'http://127.0.0.1:' + server.address().port }));
});
process.on('SIGTERM', () => { console.log('bye'); server.close(() => process.exit(0)); server.closeAllConnections(); });
`;

/** Dies at once with a message on stderr. */
const CRASH = `console.error('boom: JWKS_URL is not set'); process.exit(3);`;

/** Ignores SIGTERM: only SIGKILL stops it. */
const STUBBORN = String.raw`
import { createServer } from 'node:http';
process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
const server = createServer((req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'listening', url: 'http://127.0.0.1:' + server.address().port }));
});
`;

/** Never prints a listening line and never listens. */
const SILENT = `setInterval(() => {}, 1000); console.log('starting, but never listening');`;

export interface Fixtures {
  dir: string;
  server: string;
  crash: string;
  stubborn: string;
  silent: string;
  cleanup(): void;
}

export function writeFixtures(): Fixtures {
  const dir = mkdtempSync(join(tmpdir(), 'keystorm-sut-'));
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  return {
    dir,
    server: write('server.mjs', SERVER),
    crash: write('crash.mjs', CRASH),
    stubborn: write('stubborn.mjs', STUBBORN),
    silent: write('silent.mjs', SILENT),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** True when a process with this PID exists (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
