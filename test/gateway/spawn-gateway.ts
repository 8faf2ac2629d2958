/**
 * Starts examples/gateway/main.ts as a real child process (the way keystorm spawns a SUT) and
 * reads its JSON log lines. Stops only the process it started, by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface LogLine {
  msg: string;
  [field: string]: unknown;
}

export interface SpawnedGateway {
  readonly url: string;
  readonly child: ChildProcess;
  /** Every JSON line printed so far. */
  readonly lines: LogLine[];
  count(msg: string): number;
  /** Resolves with the first line (from now or earlier) whose msg matches, or rejects after timeoutMs. */
  waitForLog(msg: string, timeoutMs?: number): Promise<LogLine>;
  stop(): Promise<number | null>;
}

/** Drill-sized timings so a test takes seconds; each test overrides what it measures. */
export const FAST_TIMINGS: Record<string, string> = {
  JWKS_TTL: '5m',
  JWKS_MIN_TTL: '1s',
  JWKS_REFRESH_AHEAD: '500ms',
  JWKS_STALE_GRACE: '1m',
  JWKS_UNKNOWN_KID_COOLDOWN: '5s',
  JWKS_BACKOFF_BASE: '200ms',
  JWKS_BACKOFF_MAX: '1s',
  JWKS_FETCH_TIMEOUT: '2s',
  GATEWAY_VERIFY_TIMEOUT: '4s',
};

export async function spawnGateway(env: Record<string, string>, timeoutMs = 20_000): Promise<SpawnedGateway> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/gateway/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', GATEWAY_PORT: '0', GATEWAY_SEED: '7', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const waiters: { msg: string; resolve: (line: LogLine) => void }[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      return;
    }
    lines.push(line);
    for (const w of waiters.filter((w) => w.msg === line.msg)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(line);
    }
  });
  const waitForLog = (msg: string, ms = 10_000): Promise<LogLine> => {
    const seen = lines.find((l) => l.msg === msg);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        reject(
          new Error(
            `no log line ${JSON.stringify(msg)} within ${ms}ms; saw ${lines.map((l) => l.msg).join(' | ')}`,
          ),
        );
      }, ms);
      const waiter = {
        msg,
        resolve: (line: LogLine) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      waiters.push(waiter);
    });
  };
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  const listening = await Promise.race([
    waitForLog('listening', timeoutMs),
    exited.then(([code]) => {
      throw new Error(`gateway exited with ${code} before listening: ${stderr}`);
    }),
  ]);
  const stop = async (): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
    const [code] = await exited;
    clearTimeout(timer);
    return code;
  };
  return {
    url: String(listening.url),
    child,
    lines,
    count: (msg) => lines.filter((l) => l.msg === msg).length,
    waitForLog,
    stop,
  };
}

/** Sends a request to the gateway; returns status, parsed body and headers. */
export async function call(
  url: string,
  token: string | undefined,
  headers: Record<string, string> = {},
  method = 'POST',
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url, {
    method,
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers },
  });
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: res.status, body, headers: res.headers };
}
