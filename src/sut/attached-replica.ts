/**
 * A SUT someone else runs (attach mode): we only probe readiness and scrape metrics. Restart is
 * impossible and stop() is a no-op, so the "stop what we started" rule holds trivially.
 */
import type { Dispatcher } from 'undici';
import { HarnessError } from '../errors.ts';
import { assertTargetAllowed } from '../util/loopback.ts';
import { formatDuration } from '../util/duration.ts';
import { LogCapture } from './log-capture.ts';
import { scrapeMetrics, type MetricsSnapshot } from './metrics.ts';
import { resolveAgainst } from './replica-plan.ts';
import {
  describeProbe,
  describeTarget,
  probeReady,
  waitUntilReady,
  type ReadyProbe,
  type ReadyTarget,
} from './readiness.ts';
import { SPAWN_DEFAULTS } from './spawned-replica.ts';
import type { AttachSutOptions, SutReplica, SutRuntime } from './types.ts';

export class AttachedReplica implements SutReplica {
  readonly identity = { id: 'attached', index: 0, port: 0 };
  readonly logs = new LogCapture();
  readonly pid = undefined;
  readonly running = false;
  readonly lastExit = undefined;
  readonly url: string;

  constructor(
    private readonly options: AttachSutOptions,
    private readonly runtime: SutRuntime,
    private readonly dispatcher: Dispatcher,
  ) {
    this.url = assertTargetAllowed(options.url, runtime.allowHosts ?? []).href;
    for (const extra of [options.readyUrl, options.metricsUrl]) {
      const resolved = resolveAgainst(this.url, extra);
      if (resolved !== undefined) assertTargetAllowed(resolved, runtime.allowHosts ?? []);
    }
  }

  private target(): ReadyTarget {
    const readyUrl = resolveAgainst(this.url, this.options.readyUrl);
    if (readyUrl !== undefined) return { kind: 'http', url: readyUrl };
    const parsed = new URL(this.url);
    const port = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
    return { kind: 'tcp', host: parsed.hostname.replace(/^\[|\]$/g, ''), port };
  }

  /** Attach mode starts nothing: "start" means waiting for the SUT to be ready. */
  async start(options: { waitForReady?: boolean } = {}): Promise<void> {
    if (options.waitForReady !== false) await this.waitForReady();
  }

  async waitForReady(): Promise<void> {
    const timeoutMs = this.options.readyTimeout ?? SPAWN_DEFAULTS.readyTimeout;
    const target = this.target();
    const probe = await waitUntilReady(target, {
      timeoutMs,
      intervalMs: this.options.readyInterval ?? SPAWN_DEFAULTS.readyInterval,
      dispatcher: this.dispatcher,
      ...(this.runtime.signal === undefined ? {} : { signal: this.runtime.signal }),
    });
    if (probe?.ready === true) return;
    if (this.runtime.signal?.aborted === true) {
      throw new HarnessError(
        'ERR_INTERRUPTED',
        'interrupted while waiting for the attached SUT to get ready',
      );
    }
    throw new HarnessError(
      'ERR_SUT_NOT_READY',
      `attached SUT not ready after ${formatDuration(timeoutMs)}: ${describeTarget(target)}, ${describeProbe(probe)}`,
    );
  }

  probeReady(): Promise<ReadyProbe> {
    return probeReady(this.target(), { dispatcher: this.dispatcher });
  }

  scrapeMetrics(): Promise<MetricsSnapshot> {
    const url = resolveAgainst(this.url, this.options.metricsUrl);
    if (url === undefined) {
      return Promise.reject(
        new HarnessError('ERR_USAGE', 'cannot scrape the attached SUT: sut.metricsUrl is not set'),
      );
    }
    return scrapeMetrics(url, {
      dispatcher: this.dispatcher,
      ...(this.runtime.now === undefined ? {} : { now: this.runtime.now }),
    });
  }

  restart(): Promise<void> {
    return Promise.reject(
      new HarnessError(
        'ERR_USAGE',
        'cannot restart an attached SUT: keystorm did not start it (use sut.command)',
      ),
    );
  }

  stop(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
}
