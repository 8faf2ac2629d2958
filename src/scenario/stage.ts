/**
 * Sets the stage for one scenario: a clean provider (reset, issuers behind their proxies, no
 * leftover toxics), the faults that must be in force before the SUT starts, the SUT itself and
 * the simulated clients with their tokens. Whatever it started is handed back so the caller can
 * undo it, also when a later step fails.
 */
import { connect } from 'node:net';
import type { ActiveFault } from '../faults/types.ts';
import type { RequestTemplateInput } from '../load/request-template.ts';
import type { TimelineEntry } from '../result/types.ts';
import type { Sut } from '../sut/types.ts';
import { createRandom } from '../util/random.ts';
import type { TimelineFault } from './define.ts';
import type { RunEnvironment } from './environment.ts';
import type { ScenarioPlan } from './plan.ts';
import { RequestMix } from './request-mix.ts';
import { applyBeforeStart } from './timeline.ts';

export interface StageSettings {
  replicas: number;
  seed: number;
  routes: Readonly<Record<string, RequestTemplateInput>>;
  clientsPerIssuer: number;
  tokenLifetimeS: number;
  allowHosts: readonly string[];
  signal: AbortSignal;
}

/** What set-up started, filled in as it goes (so a failure half-way can still be undone). */
export interface Stage {
  preApplied: { item: TimelineFault; fault: ActiveFault }[];
  sut?: Sut;
  mix?: RequestMix;
}

/** A set-up step that failed: the harness's fault, not the SUT's (the scenario is an `error`). */
export class StageError extends Error {
  constructor(step: string, cause: unknown) {
    super(`${step}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'StageError';
  }
}

/** Runs `step`, naming it in the error when it fails. */
async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new StageError(name, error);
  }
}

export async function setUpStage(
  env: RunEnvironment,
  plan: ScenarioPlan,
  settings: StageSettings,
  stage: Stage,
  record: (entry: TimelineEntry) => void,
  beforeSut: () => Promise<void>,
): Promise<{ sut: Sut; mix: RequestMix; targets: string[] }> {
  const { scenario } = plan;
  await step('reset mock-idp', () => env.idp.admin.reset());
  await step('point the issuers at their proxies', () => env.pointIssuersAtProxies());
  await step('clean the fault proxies', () => env.cleanProxies());
  stage.preApplied = await step('apply the faults due before start', () =>
    applyBeforeStart(scenario.beforeStart ?? [], env.ledger, env.faultContext),
  );
  for (const p of stage.preApplied)
    record({ atMs: 0, what: `fault ${p.item.fault.name} applied before start`, ok: true });

  await step('read the provider before the SUT starts', beforeSut);

  // With a provider down at start, readiness cannot come: the scenario checks it on its timeline.
  const waitForReady = stage.preApplied.length === 0 && scenario.waitForReady !== false;
  const sut = await env.startSut(scenario.replicas ?? settings.replicas, waitForReady, settings.signal);
  stage.sut = sut;
  const targets = sut.replicas.map((r) => r.url ?? '');
  // Not ready is allowed; not listening is not: a cold burst must meet the SUT, not a closed port.
  if (!waitForReady)
    await step('wait for the SUT to accept connections', () => awaitListening(targets, settings.signal));

  const issuers = env.issuers.map((i) => i.name);
  const mix = new RequestMix({
    idp: env.idp,
    tokenUrl: (issuer) => env.directTokenUrl(issuer),
    defaultIssuer: issuers[0] ?? 'gitlab',
    routes: settings.routes,
    phaseMixes: plan.phaseMixes,
    targets: () => targets,
    random: createRandom(settings.seed).fork(scenario.name),
    seed: settings.seed,
    clientsPerIssuer: settings.clientsPerIssuer,
    tokenLifetimeS: settings.tokenLifetimeS,
    allowHosts: settings.allowHosts,
  });
  stage.mix = mix;
  await step('obtain the clients’ tokens', () => mix.start());
  return { sut, mix, targets };
}

/** Resolves once every target accepts a TCP connection (bounded: 30 s, or the run's abort). */
export async function awaitListening(
  targets: readonly string[],
  signal: AbortSignal,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (const target of targets) {
    const url = new URL(target);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    while (!(await accepts(host, port))) {
      if (signal.aborted) throw new Error('interrupted');
      if (performance.now() > deadline)
        throw new Error(`${target} accepted no connection within ${timeoutMs / 1000}s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Undoes what set-up started (faults not yet handed to the timeline, token pools). Never throws. */
export async function tearDownStage(stage: Stage, timelineOwnsFaults: boolean): Promise<void> {
  if (!timelineOwnsFaults) for (const p of stage.preApplied) await p.fault.revert().catch(() => undefined);
  await stage.mix?.close().catch(() => undefined);
}
