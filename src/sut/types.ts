/**
 * The SUT as the runner sees it: a group of replicas, each spawned by us or attached to by URL.
 * Option objects use milliseconds, matching the resolved config (`FullConfig.sut`), so the
 * runner passes `config.sut` straight in.
 */
import type { LogCapture } from './log-capture.ts';
import type { MetricsSnapshot } from './metrics.ts';
import type { LogPattern } from './pattern-counter.ts';
import type { ReadyProbe } from './readiness.ts';
import type { StopResult, ExitInfo } from './stop-process.ts';
import type { TemplateContext } from './template.ts';

/** A SUT process keystorm starts (one per replica). */
export interface SpawnSutOptions {
  /** Program and arguments (templated per replica); see toCommandLine for string vs array. */
  command: string | readonly string[];
  /** Working directory; the harness's cwd when absent. */
  cwd?: string;
  /** Extra environment (templated per replica), on top of the harness's env when inheritEnv. */
  env?: Readonly<Record<string, string>>;
  /** Pass the harness's own environment through. Default true. */
  inheritEnv?: boolean;
  /** The SUT's base URL, usually `http://127.0.0.1:{{port}}`; when absent it is read from the
   *  SUT's `{"msg":"listening","url":…}` stdout line. */
  url?: string;
  /** Readiness URL: a path on the SUT's URL (`/ready`) or a templated absolute URL. When absent
   *  a TCP connect to the SUT's URL counts as ready. */
  readyUrl?: string;
  /** Deadline for the listening line and readiness after a (re)start (ms). Default 30000. */
  readyTimeout?: number;
  /** Pause between readiness probes (ms). Default 100. */
  readyInterval?: number;
  /** Prometheus endpoint: a path on the SUT's URL (`/metrics`) or a templated absolute URL. */
  metricsUrl?: string;
  /** Number of instances, each with its own port, id and env. Default 1. */
  replicas?: number;
  /** Log patterns to count, by name: a string matches as a substring, a RegExp as a regex. */
  logPatterns?: Readonly<Record<string, LogPattern>>;
  /** Recent log lines kept per replica. Default 1000. */
  logLines?: number;
  /** Directory to tee each replica's output into (`<id>.log`); no files when absent. */
  logDir?: string;
  /** Grace between SIGTERM and SIGKILL when stopping (ms). Default 5000. */
  stopTimeout?: number;
  /** Host the per-replica `{{port}}` is reserved on. Default 127.0.0.1. */
  host?: string;
}

/** A SUT someone else runs: readiness and metrics only, no process. */
export interface AttachSutOptions {
  url: string;
  readyUrl?: string;
  readyTimeout?: number;
  readyInterval?: number;
  metricsUrl?: string;
}

export type SutOptions = SpawnSutOptions | AttachSutOptions;

/** Who a replica is; given to the context factory and merged into its template context. */
export interface ReplicaIdentity {
  /** `replica-1`, `replica-2`, … (the SUT's identity at mock-idp too). */
  id: string;
  /** 0-based. */
  index: number;
  /** Port reserved for this replica (0 in attach mode). */
  port: number;
}

/** What the runner provides besides the options. */
export interface SutRuntime {
  /**
   * Template values, as a plain object or built per replica (e.g. the IdP's URLs under the
   * replica's client prefix). `replica.id`, `replica.index` and `port` are added to it.
   */
  context?: TemplateContext | ((replica: ReplicaIdentity) => TemplateContext);
  /** Non-loopback hosts the SUT URL may point to. */
  allowHosts?: readonly string[];
  /** Clock for log timestamps and scrapes (ms). Default Date.now. */
  now?: () => number;
  /** Aborts waits (listening line, readiness); the processes are still stopped by stop(). */
  signal?: AbortSignal;
}

export interface StartOptions {
  /** Wait for readiness after spawning (default true). A scenario that asserts a cold start is
   *  NOT ready passes false and calls probeReady(). The listening line is always awaited. */
  waitForReady?: boolean;
}

export interface SutReplica {
  readonly identity: ReplicaIdentity;
  /** Base URL, known once started (spawn) or from the start (attach). */
  readonly url: string | undefined;
  /** PID of the running process, if any. */
  readonly pid: number | undefined;
  /** True while a process we started is running (always false in attach mode). */
  readonly running: boolean;
  /** Exit status of the last process when it exited; undefined while running or never started. */
  readonly lastExit: ExitInfo | undefined;
  /** Captured output (empty in attach mode). */
  readonly logs: LogCapture;
  start(options?: StartOptions): Promise<void>;
  waitForReady(): Promise<void>;
  probeReady(): Promise<ReadyProbe>;
  scrapeMetrics(): Promise<MetricsSnapshot>;
  /** Stop then start the same replica on the same port with the same env (a cold start). */
  restart(options?: StartOptions): Promise<void>;
  stop(): Promise<StopResult | undefined>;
}

export interface Sut {
  readonly mode: 'spawn' | 'attach';
  readonly replicas: readonly SutReplica[];
  /** Starts every replica in parallel; if one fails, stops them all and rethrows its error. */
  start(options?: StartOptions): Promise<void>;
  waitForReady(): Promise<void>;
  probeReady(): Promise<ReadyProbe[]>;
  /** One snapshot per replica, in replica order. */
  scrapeMetrics(): Promise<MetricsSnapshot[]>;
  /** Matches of a log pattern summed over replicas, optionally within [from, to). */
  logCount(pattern: string, from?: number, to?: number): number;
  /** Restarts one replica (by index) or all of them in turn. */
  restart(index?: number, options?: StartOptions): Promise<void>;
  /** Stops everything this SUT started and releases its resources; safe to call twice. */
  stop(): Promise<void>;
}
