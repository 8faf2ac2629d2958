/**
 * The live route: a loopback Prometheus that keystorm starts itself with a generated config, or
 * an existing one at PROMETHEUS_URL, read through its rules API once per interval. Debian's
 * defaults are overridden every time: 127.0.0.1 only, a fresh TSDB directory (an old WAL would
 * bring back old alert state), our own config file.
 *
 * Timing pitfalls (docs/alerts.md): targets appear about 5 s after start, so start Prometheus
 * and wait for {@link LivePrometheus.waitForTargets} before the fault, plus the longest rule window.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { basename, join } from 'node:path';
import { stringify } from 'yaml';
import { HarnessError, ExitCode } from '../errors.ts';
import type { AlertObservation } from './evaluate.ts';

export interface LiveTarget {
  readonly job: string;
  /** The /metrics URL (loopback). */
  readonly url: string;
}

export interface LiveOptions {
  /** Directory for prometheus.yml, rules/ and a fresh tsdb/ (created). */
  readonly dir: string;
  readonly targets: readonly LiveTarget[];
  readonly ruleFiles: readonly string[];
  /** Scrape and evaluation interval, and how often the rules API is polled (default 1000 ms). */
  readonly intervalMs?: number;
  /** prometheus binary (default PROMETHEUS or `prometheus` on PATH). */
  readonly binary?: string;
}

export interface LivePrometheus {
  readonly url: string;
  /** Resolves when every target has been scraped successfully (targets appear ~5 s after start). */
  waitForTargets(timeoutMs?: number): Promise<void>;
  /**
   * Stops polling and the Prometheus process (SIGTERM); returns what the rules API showed, with
   * the first pending/firing at or after faultStartMs when given.
   */
  stop(faultStartMs?: number): Promise<Map<string, AlertObservation>>;
}

interface RulesApiAlert {
  state: string;
  activeAt?: string;
  labels?: Record<string, string>;
}
interface RulesApiRule {
  type: string;
  name: string;
  duration?: number;
  alerts?: RulesApiAlert[];
}

/** Starts a loopback Prometheus; ENOENT → exit-2 error naming the package. */
export async function startLivePrometheus(options: LiveOptions): Promise<LivePrometheus> {
  const intervalMs = options.intervalMs ?? 1000;
  await mkdir(join(options.dir, 'rules'), { recursive: true });
  const rules: string[] = [];
  for (const [i, file] of options.ruleFiles.entries()) {
    const name = join('rules', `${i + 1}-${basename(file)}`);
    await copyFile(file, join(options.dir, name));
    rules.push(name);
  }
  const tsdb = await mkdtemp(join(options.dir, 'tsdb-'));
  const config = join(options.dir, 'prometheus.yml');
  await writeFile(config, configText(options.targets, rules, intervalMs));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const binary = options.binary ?? (process.env.PROMETHEUS || 'prometheus');
  const child = spawn(
    binary,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${tsdb}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { cwd: options.dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  // events.once rejects with the 'error' event (ENOENT when the binary is missing).
  const spawnError = await once(child, 'spawn').then(
    () => undefined,
    (error: unknown) => error as NodeJS.ErrnoException,
  );
  if (spawnError !== undefined) {
    if (spawnError.code === 'ENOENT') {
      throw new HarnessError(
        'ERR_USAGE',
        `the live alert route needs Prometheus, and ${JSON.stringify(binary)} was not found ` +
          '(apt-get install --no-install-recommends prometheus, or set PROMETHEUS_URL)',
        { exitCode: ExitCode.usage },
      );
    }
    throw new HarnessError('ERR_INTERNAL', `cannot start ${binary}: ${spawnError.message}`);
  }
  try {
    await waitReady(url, child, () => stderr);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return attachLive(url, intervalMs, () => stopChild(child));
}

/** Reads an existing Prometheus (PROMETHEUS_URL) that already loads the rules and scrapes the targets. */
export function attachLive(
  url: string,
  intervalMs = 1000,
  onStop: () => Promise<void> = () => Promise.resolve(),
): LivePrometheus {
  const seen = new Map<string, LiveSeen>();
  const poll = async (): Promise<void> => {
    const res = await fetch(`${url}/api/v1/rules?type=alert`, {
      signal: AbortSignal.timeout(intervalMs * 2),
    });
    const body = (await res.json()) as { data?: { groups?: { rules?: RulesApiRule[] }[] } };
    const now = Date.now();
    for (const group of body.data?.groups ?? []) {
      for (const rule of group.rules ?? []) {
        if (rule.type !== 'alerting') continue;
        for (const alert of rule.alerts ?? []) {
          const activeAt = alert.activeAt === undefined ? undefined : Date.parse(alert.activeAt);
          if (activeAt === undefined || Number.isNaN(activeAt)) continue;
          const entry = seen.get(rule.name) ?? {
            pending: new Set(),
            firing: new Set(),
            last: undefined,
            labels: new Map(),
          };
          seen.set(rule.name, entry);
          // Firing time is activeAt + for; pending starts at activeAt (only when for > 0).
          const forMs = (rule.duration ?? 0) * 1000;
          if (forMs > 0) entry.pending.add(activeAt);
          if (alert.state === 'firing') {
            entry.firing.add(activeAt + forMs);
            entry.last = now;
            const { alertname: _a, alertstate: _s, ...rest } = alert.labels ?? {};
            entry.labels.set(JSON.stringify(rest), rest);
          }
        }
      }
    }
  };
  let stopped = false;
  let polling: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    polling = polling.then(() => (stopped ? undefined : poll().catch(() => undefined)));
  }, intervalMs);
  return {
    url,
    async waitForTargets(timeoutMs = 20_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const res = await fetch(`${url}/api/v1/targets`).catch(() => undefined);
        const body =
          res?.ok === true
            ? ((await res.json()) as { data?: { activeTargets?: { health: string }[] } })
            : undefined;
        const active = body?.data?.activeTargets ?? [];
        if (active.length > 0 && active.every((t) => t.health === 'up')) return;
        if (Date.now() > deadline)
          throw new HarnessError('ERR_TIMEOUT', `Prometheus at ${url}: targets not up within ${timeoutMs}ms`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async stop(faultStartMs?: number): Promise<Map<string, AlertObservation>> {
      clearInterval(timer);
      await polling;
      await poll().catch(() => undefined);
      stopped = true;
      await onStop();
      const first = (times: Set<number>, from = -Infinity): number | undefined => {
        const after = [...times].filter((t) => t >= from);
        return after.length === 0 ? undefined : Math.min(...after);
      };
      const out = new Map<string, AlertObservation>();
      for (const [alert, e] of seen) {
        out.set(alert, {
          alert,
          firstPendingAtMs: first(e.pending),
          firstFiringAtMs: first(e.firing),
          lastFiringAtMs: e.last,
          firstPendingAfterFaultAtMs: faultStartMs === undefined ? undefined : first(e.pending, faultStartMs),
          firstFiringAfterFaultAtMs: faultStartMs === undefined ? undefined : first(e.firing, faultStartMs),
          firingLabels: [...e.labels.values()],
        });
      }
      return out;
    },
  };
}

/** What the rules API showed of one alert: every pending start and firing start seen. */
interface LiveSeen {
  readonly pending: Set<number>;
  readonly firing: Set<number>;
  last: number | undefined;
  readonly labels: Map<string, Record<string, string>>;
}

function configText(targets: readonly LiveTarget[], rules: readonly string[], intervalMs: number): string {
  const interval = `${intervalMs}ms`;
  return `# Generated by keystorm for one drill: loopback only, fresh TSDB.\n${stringify({
    global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
    rule_files: rules,
    scrape_configs: targets.map((t) => {
      const u = new URL(t.url);
      return {
        job_name: t.job,
        metrics_path: u.pathname,
        scheme: u.protocol.replace(':', ''),
        static_configs: [{ targets: [u.host] }],
      };
    }),
  })}`;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitReady(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new HarnessError('ERR_INTERNAL', `prometheus exited with ${child.exitCode}: ${stderr()}`);
    const ok = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new HarnessError('ERR_TIMEOUT', `prometheus at ${url} not ready within 20s: ${stderr()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
