/**
 * One SUT instance we run ourselves: spawn it, learn its URL, wait until it is ready, capture
 * its output, scrape it, restart it on the same port, and stop it by its PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Dispatcher } from 'undici';
import { HarnessError } from '../errors.ts';
import { assertTargetAllowed } from '../util/loopback.ts';
import { formatDuration } from '../util/duration.ts';
import { trackChild } from './child-registry.ts';
import { parseListeningUrl } from './listening-line.ts';
import { LogCapture } from './log-capture.ts';
import { scrapeMetrics, type MetricsSnapshot } from './metrics.ts';
import { resolveAgainst, type ReplicaPlan } from './replica-plan.ts';
import {
  describeProbe,
  describeTarget,
  probeReady,
  waitUntilReady,
  type ReadyProbe,
  type ReadyTarget,
} from './readiness.ts';
import { exited, stopChild, type ExitInfo, type StopResult } from './stop-process.ts';
import { SutError } from './sut-error.ts';
import type { SpawnSutOptions, StartOptions, SutReplica, SutRuntime } from './types.ts';

export const SPAWN_DEFAULTS = {
  readyTimeout: 30_000,
  readyInterval: 100,
  stopTimeout: 5000,
  logLines: 1000,
} as const;

function describeExit(exit: ExitInfo, spawnError: Error | undefined): string {
  if (spawnError !== undefined) return `could not be started: ${spawnError.message}`;
  return exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

function drained(child: ChildProcess, maxMs: number): Promise<void> {
  const streams = [child.stdout, child.stderr].filter((s) => s !== null && !s.readableEnded && !s.destroyed);
  if (streams.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, maxMs);
    child.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export class SpawnedReplica implements SutReplica {
  readonly logs: LogCapture;
  private child: ChildProcess | undefined;
  private exitPromise: Promise<ExitInfo> | undefined;
  private spawnError: Error | undefined;
  private baseUrl: string | undefined;
  private exitInfo: ExitInfo | undefined;

  constructor(
    private readonly plan: ReplicaPlan,
    private readonly options: SpawnSutOptions,
    private readonly runtime: SutRuntime,
    private readonly dispatcher: Dispatcher,
  ) {
    this.logs = new LogCapture({
      patterns: options.logPatterns ?? {},
      ringLines: options.logLines ?? SPAWN_DEFAULTS.logLines,
      ...(options.logDir === undefined ? {} : { teeFile: join(options.logDir, `${plan.identity.id}.log`) }),
      ...(runtime.now === undefined ? {} : { now: runtime.now }),
    });
    this.baseUrl = plan.url;
  }

  get identity(): SutReplica['identity'] {
    return this.plan.identity;
  }
  get url(): string | undefined {
    return this.baseUrl;
  }
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }
  get running(): boolean {
    return this.child !== undefined && this.exitInfo === undefined;
  }
  get lastExit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  private get readyTimeout(): number {
    return this.options.readyTimeout ?? SPAWN_DEFAULTS.readyTimeout;
  }

  async start(options: StartOptions = {}): Promise<void> {
    if (this.running) throw new HarnessError('ERR_USAGE', `${this.identity.id} is already running`);
    const { file, args } = this.plan.commandLine;
    const startedAt = performance.now();
    this.spawnError = undefined;
    this.exitInfo = undefined;
    // The URL printed last time may be stale (the SUT chose its port); learn it again.
    this.baseUrl = this.plan.url;
    const urlFromLog = this.plan.url === undefined ? this.listenForUrl() : undefined;
    const child = spawn(file, args, {
      cwd: this.options.cwd,
      env: { ...(this.options.inheritEnv === false ? {} : process.env), ...this.plan.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: stopped as a whole, out of reach of a Ctrl-C meant for the
      // harness (which stops it in order), and guarded by the reaper should the harness die.
      // (On Windows, detached means a console window of its own, and groups are not signalled.)
      detached: process.platform !== 'win32',
    });
    this.child = child;
    trackChild(child);
    this.exitPromise = new Promise<ExitInfo>((resolve) => {
      child.once('error', (error) => {
        // ENOENT and friends: there is no process and no 'exit' may follow.
        this.spawnError = error;
        resolve({ code: null, signal: null });
      });
      void exited(child).then(resolve);
    }).then(async (info) => {
      // 'exit' can come before the last output is read: give the pipes a moment to drain so
      // the log tail in an error message has the SUT's last words. A grandchild holding the
      // pipe open must not stall us, hence the bound.
      await drained(child, 250);
      this.exitInfo = info;
      return info;
    });
    this.logs.attach(child.stdout, 'stdout');
    this.logs.attach(child.stderr, 'stderr');

    if (urlFromLog !== undefined) {
      const url = await this.raceExit(urlFromLog.promise, this.readyTimeout, urlFromLog.cancel);
      if (url === 'exited') throw this.exitedError('before printing its listening line', startedAt);
      if (url === undefined && this.runtime.signal?.aborted === true)
        throw this.interruptedError('to listen');
      if (url === undefined) {
        throw new SutError(
          'ERR_SUT_NOT_READY',
          `${this.identity.id} printed no {"msg":"listening","url":…} line within ${formatDuration(this.readyTimeout)} (or set sut.url)`,
          this.identity.id,
          this.logs.tailText(),
        );
      }
      this.baseUrl = url;
    }
    if (this.baseUrl !== undefined) assertTargetAllowed(this.baseUrl, this.runtime.allowHosts ?? []);
    // One deadline from spawn to ready: a slow listening line leaves less time for readiness.
    if (options.waitForReady !== false) {
      await this.waitForReady(Math.max(0, this.readyTimeout - (performance.now() - startedAt)));
    }
  }

  /** Subscribes to the log before spawning, so a quick SUT cannot print the line unseen. */
  private listenForUrl(): { promise: Promise<string>; cancel: () => void } {
    let unsubscribe: () => void = () => undefined;
    const promise = new Promise<string>((resolve) => {
      unsubscribe = this.logs.onLine((line) => {
        const url = line.stream === 'stdout' ? parseListeningUrl(line.text) : undefined;
        if (url !== undefined) {
          unsubscribe();
          resolve(url);
        }
      });
    });
    return { promise, cancel: () => unsubscribe() };
  }

  /** Waits for `promise`, the process's exit, the deadline or an abort, whichever comes first. */
  private async raceExit<T>(
    promise: Promise<T>,
    timeoutMs: number,
    cleanup: () => void,
  ): Promise<T | 'exited' | undefined> {
    let timer: NodeJS.Timeout | undefined;
    let onAbort: () => void = () => undefined;
    try {
      const deadline = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), timeoutMs);
        onAbort = () => resolve(undefined);
        this.runtime.signal?.addEventListener('abort', onAbort, { once: true });
      });
      const exit = (this.exitPromise ?? new Promise<never>(() => undefined)).then(() => 'exited' as const);
      return await Promise.race([promise, exit, deadline]);
    } finally {
      clearTimeout(timer);
      this.runtime.signal?.removeEventListener('abort', onAbort);
      cleanup();
    }
  }

  private interruptedError(what: string): HarnessError {
    return new HarnessError('ERR_INTERRUPTED', `interrupted while waiting for ${this.identity.id} ${what}`);
  }

  private readyTarget(): ReadyTarget {
    const readyUrl = resolveAgainst(this.baseUrl, this.plan.readyUrl);
    if (readyUrl !== undefined) return { kind: 'http', url: readyUrl };
    if (this.baseUrl === undefined)
      throw new HarnessError('ERR_USAGE', `${this.identity.id} has no URL yet: start it first`);
    const parsed = new URL(this.baseUrl);
    const port = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
    return { kind: 'tcp', host: parsed.hostname.replace(/^\[|\]$/g, ''), port };
  }

  /** Polls readiness until ready (resolves), the process exits or `timeoutMs` passes (throws). */
  async waitForReady(timeoutMs = this.readyTimeout): Promise<void> {
    if (!this.running) throw this.exitedError('before it was ready', performance.now());
    const startedAt = performance.now();
    const target = this.readyTarget();
    const stop = new AbortController();
    void this.exitPromise?.then(() => stop.abort());
    const onAbort = (): void => stop.abort();
    this.runtime.signal?.addEventListener('abort', onAbort, { once: true });
    let probe: ReadyProbe | undefined;
    try {
      probe = await waitUntilReady(target, {
        timeoutMs,
        intervalMs: this.options.readyInterval ?? SPAWN_DEFAULTS.readyInterval,
        dispatcher: this.dispatcher,
        signal: stop.signal,
      });
    } finally {
      this.runtime.signal?.removeEventListener('abort', onAbort);
    }
    if (probe?.ready === true && this.running) return;
    if (!this.running) throw this.exitedError('before it was ready', startedAt);
    if (this.runtime.signal?.aborted === true) throw this.interruptedError('to get ready');
    throw new SutError(
      'ERR_SUT_NOT_READY',
      `${this.identity.id} not ready after ${formatDuration(this.readyTimeout)}: ${describeTarget(target)}, ${describeProbe(probe)}`,
      this.identity.id,
      this.logs.tailText(),
    );
  }

  private exitedError(when: string, startedAt: number): SutError {
    const exit = this.exitInfo ?? { code: null, signal: null };
    const elapsed = formatDuration(performance.now() - startedAt);
    return new SutError(
      'ERR_SUT_EXITED',
      `${this.identity.id} (${this.plan.commandLine.file}) ${describeExit(exit, this.spawnError)} ${when} (after ${elapsed})`,
      this.identity.id,
      this.logs.tailText(),
      this.spawnError === undefined ? undefined : { cause: this.spawnError },
    );
  }

  probeReady(): Promise<ReadyProbe> {
    if (!this.running) {
      return Promise.resolve({ ready: false, error: `${this.identity.id} is not running` });
    }
    return probeReady(this.readyTarget(), { dispatcher: this.dispatcher });
  }

  scrapeMetrics(): Promise<MetricsSnapshot> {
    const url = resolveAgainst(this.baseUrl, this.plan.metricsUrl);
    if (url === undefined) {
      const why = this.plan.metricsUrl === undefined ? 'sut.metricsUrl is not set' : 'the SUT has no URL yet';
      return Promise.reject(new HarnessError('ERR_USAGE', `cannot scrape ${this.identity.id}: ${why}`));
    }
    return scrapeMetrics(url, {
      dispatcher: this.dispatcher,
      ...(this.pid === undefined ? {} : { pid: this.pid }),
      ...(this.runtime.now === undefined ? {} : { now: this.runtime.now }),
    });
  }

  async restart(options: StartOptions = {}): Promise<void> {
    await this.stop();
    await this.start(options);
  }

  async stop(): Promise<StopResult | undefined> {
    const child = this.child;
    if (child === undefined || this.spawnError !== undefined) return undefined;
    const result = await stopChild(child, this.options.stopTimeout ?? SPAWN_DEFAULTS.stopTimeout);
    await this.exitPromise;
    return result;
  }
}
