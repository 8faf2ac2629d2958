/**
 * The real components a canary test runs against, each a process of its own on loopback: a
 * standalone `keystorm idp` playing the "real" provider (the canary reaches it only through its
 * public OIDC endpoints; only the test drives its admin API), the example gateway trusting it,
 * and Debian's Prometheus Pushgateway. Each is stopped by the PID we started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { reservePort } from '../../src/sut/free-port.ts';

const BIN = fileURLToPath(new URL('../../bin/keystorm.mjs', import.meta.url));
/** Debian's binary; PUSHGATEWAY_BIN points elsewhere (another install, or a check of the missing case). */
export const PUSHGATEWAY_BIN = process.env.PUSHGATEWAY_BIN ?? '/usr/bin/prometheus-pushgateway';

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export interface IdpProcess {
  /** The issuer URL (`http://127.0.0.1:PORT/gitlab`): what the canary and the gateway are given. */
  issuer: string;
  /** Sends to the admin plane (the test's lever, never the canary's). */
  admin(method: string, path: string, body?: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

/** Starts `keystorm idp --issuer gitlab` as a real process and reads its printed URLs. */
export async function startIdpProcess(): Promise<IdpProcess> {
  const adminToken = 'canary-test-admin-token';
  const child = spawn(
    process.execPath,
    [BIN, 'idp', '--port', '0', '--admin-port', '0', '--issuer', 'gitlab'],
    {
      env: { ...process.env, KEYSTORM_IDP_ADMIN_TOKEN: adminToken },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines: string[] = [];
  const deadline = setTimeout(() => child.kill('SIGKILL'), 30_000);
  for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) {
    lines.push(line);
    if (line.startsWith('Ctrl-C')) break;
  }
  clearTimeout(deadline);
  child.stdout?.resume(); // keep draining: a full pipe would stall the provider
  const discovery = lines.map((l) => /^issuer gitlab\s+(\S+)$/.exec(l)?.[1]).find((u) => u !== undefined);
  const adminUrl = lines.map((l) => /^mock-idp admin plane (\S+)/.exec(l)?.[1]).find((u) => u !== undefined);
  if (discovery === undefined || adminUrl === undefined) {
    await stopChild(child);
    throw new Error(`keystorm idp printed no URLs:\n${lines.join('\n')}\n${stderr}`);
  }
  return {
    issuer: discovery.replace(/\/\.well-known\/openid-configuration$/, ''),
    async admin(method, path, body) {
      const response = await fetch(`${adminUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text}`);
      return JSON.parse(text) as unknown;
    },
    stop: () => stopChild(child),
  };
}

export interface Pushgateway {
  url: string;
  /** The Pushgateway's own /metrics (what Prometheus would scrape). */
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Why the Pushgateway test cannot run here, or undefined when it can. Under CI the binary must
 * be there (`.ci/run` installs `prometheus-pushgateway`), so its absence fails instead of skipping.
 */
export function pushgatewayMissing(): string | undefined {
  if (existsSync(PUSHGATEWAY_BIN)) return undefined;
  return `${PUSHGATEWAY_BIN} not found: apt-get install -y prometheus-pushgateway`;
}

/** Starts the Pushgateway binary (not the system service) on a free loopback port, in memory only. */
export async function startPushgateway(): Promise<Pushgateway> {
  const port = await reservePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    PUSHGATEWAY_BIN,
    [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file=', '--log.level=warn'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${url}/-/ready`)).ok) {
        return {
          url,
          metrics: async () => (await fetch(`${url}/metrics`)).text(),
          stop: () => stopChild(child),
        };
      }
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  await stopChild(child);
  throw new Error(`the Pushgateway did not become ready on ${url}: ${stderr}`);
}

/** Value of the first sample of `name` whose labels include every given pair, or undefined. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const match = /^([^{ ]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const have = new Map<string, string>();
    for (const m of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) have.set(m[1] ?? '', m[2] ?? '');
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) return Number(match[3]);
  }
  return undefined;
}
