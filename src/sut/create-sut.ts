/**
 * Builds a SUT from options: reserves a port per replica, renders every template up front
 * (all placeholder mistakes in one ValidationError, before anything is spawned), then hands
 * out a group that starts, restarts and stops its replicas.
 */
import { Agent } from 'undici';
import { HarnessError } from '../errors.ts';
import { AttachedReplica } from './attached-replica.ts';
import { sweepLeftoversOnce } from './child-registry.ts';
import { reservePort } from './free-port.ts';
import type { MetricsSnapshot } from './metrics.ts';
import type { ReadyProbe } from './readiness.ts';
import { planReplica } from './replica-plan.ts';
import { SpawnedReplica } from './spawned-replica.ts';
import { TemplateRenderer } from './template.ts';
import type { SpawnSutOptions, StartOptions, Sut, SutOptions, SutReplica, SutRuntime } from './types.ts';

/** Upper bound on replicas: each is a real process on a 2-core CI box. */
export const MAX_REPLICAS = 32;

function isSpawn(options: SutOptions): options is SpawnSutOptions {
  return 'command' in options && options.command !== undefined;
}

/** Creates the SUT without starting it; call `start()` next and `stop()` in a finally. */
export async function createSut(options: SutOptions, runtime: SutRuntime = {}): Promise<Sut> {
  // Readiness probes must not keep connections open: a SUT restarting or shutting down
  // gracefully would otherwise wait on our idle sockets.
  const dispatcher = new Agent({ pipelining: 0, connect: { timeout: 2000 } });
  if (!isSpawn(options))
    return new SutGroup('attach', [new AttachedReplica(options, runtime, dispatcher)], dispatcher);

  await sweepLeftoversOnce();
  const count = options.replicas ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_REPLICAS) {
    await dispatcher.close();
    throw new TypeError(`sut.replicas: must be an integer from 1 to ${MAX_REPLICAS}, got ${count}`);
  }
  const renderer = new TemplateRenderer({});
  const replicas: SpawnedReplica[] = [];
  for (let index = 0; index < count; index++) {
    const port = await reservePort(options.host ?? '127.0.0.1');
    const identity = { id: `replica-${index + 1}`, index, port };
    replicas.push(
      new SpawnedReplica(planReplica(options, identity, runtime, renderer), options, runtime, dispatcher),
    );
  }
  if (renderer.problems.length > 0) {
    await Promise.all(replicas.map((r) => r.logs.close()));
    await dispatcher.close();
    renderer.throwIfProblems('SUT definition');
  }
  return new SutGroup('spawn', replicas, dispatcher);
}

/** Creates and starts the SUT; on failure everything already started is stopped. */
export async function startSut(
  options: SutOptions,
  runtime: SutRuntime = {},
  start: StartOptions = {},
): Promise<Sut> {
  const sut = await createSut(options, runtime);
  await sut.start(start);
  return sut;
}

class SutGroup implements Sut {
  private stopped = false;

  constructor(
    readonly mode: 'spawn' | 'attach',
    readonly replicas: readonly SutReplica[],
    private readonly dispatcher: Agent,
  ) {}

  async start(options: StartOptions = {}): Promise<void> {
    if (this.stopped) throw new HarnessError('ERR_USAGE', 'this SUT was stopped; create a new one');
    const results = await Promise.allSettled(this.replicas.map((r) => r.start(options)));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure !== undefined) {
      await this.stop();
      throw failure.reason;
    }
  }

  async waitForReady(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.waitForReady()));
  }

  probeReady(): Promise<ReadyProbe[]> {
    return Promise.all(this.replicas.map((r) => r.probeReady()));
  }

  scrapeMetrics(): Promise<MetricsSnapshot[]> {
    return Promise.all(this.replicas.map((r) => r.scrapeMetrics()));
  }

  logCount(pattern: string, from?: number, to?: number): number {
    return this.replicas.reduce((sum, r) => sum + r.logs.patterns.count(pattern, from, to), 0);
  }

  async restart(index?: number, options: StartOptions = {}): Promise<void> {
    if (index === undefined) {
      // One after another, as a rolling restart would: the fleet never goes fully cold at once.
      for (const replica of this.replicas) await replica.restart(options);
      return;
    }
    const replica = this.replicas[index];
    if (replica === undefined) {
      throw new TypeError(`restart: replica index ${index} out of range (0..${this.replicas.length - 1})`);
    }
    await replica.restart(options);
  }

  async stop(): Promise<void> {
    const results = await Promise.allSettled(this.replicas.map((r) => r.stop()));
    if (!this.stopped) {
      this.stopped = true;
      await Promise.all(this.replicas.map((r) => r.logs.close()));
      await this.dispatcher.close();
    }
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  }
}
