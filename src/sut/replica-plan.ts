/**
 * Renders everything templated about one spawned replica once, before anything starts: a bad
 * placeholder is reported for every replica field at once (exit 2), and a restart reuses the
 * same plan, so the replica comes back with the same port, id and env.
 */
import { toCommandLine, type CommandLine } from './command.ts';
import { TemplateRenderer, type TemplateContext } from './template.ts';
import type { ReplicaIdentity, SpawnSutOptions, SutRuntime } from './types.ts';

export interface ReplicaPlan {
  identity: ReplicaIdentity;
  commandLine: CommandLine;
  env: Record<string, string>;
  url: string | undefined;
  readyUrl: string | undefined;
  metricsUrl: string | undefined;
}

/** The template context of one replica: the runner's values plus the replica's own. */
export function replicaContext(identity: ReplicaIdentity, runtime: SutRuntime): TemplateContext {
  const base = typeof runtime.context === 'function' ? runtime.context(identity) : (runtime.context ?? {});
  return { ...base, replica: { id: identity.id, index: identity.index }, port: identity.port };
}

/** Renders one replica's plan, recording template problems in `renderer` (prefixed `sut.`). */
export function planReplica(
  options: SpawnSutOptions,
  identity: ReplicaIdentity,
  runtime: SutRuntime,
  renderer: TemplateRenderer,
): ReplicaPlan {
  const local = new TemplateRenderer(replicaContext(identity, runtime));
  const command =
    typeof options.command === 'string'
      ? local.render(options.command, 'sut.command')
      : options.command.map((arg, i) => local.render(arg, `sut.command[${i}]`));
  const optional = (text: string | undefined, where: string): string | undefined =>
    text === undefined ? undefined : local.render(text, where);
  const plan: ReplicaPlan = {
    identity,
    commandLine: toCommandLine(command),
    env: local.renderRecord(options.env ?? {}, 'sut.env'),
    url: optional(options.url, 'sut.url'),
    readyUrl: optional(options.readyUrl, 'sut.readyUrl'),
    metricsUrl: optional(options.metricsUrl, 'sut.metricsUrl'),
  };
  // The same mistake repeats for every replica; report it once.
  for (const problem of local.problems) {
    if (!renderer.problems.some((p) => p.path === problem.path && p.message === problem.message)) {
      renderer.problems.push(problem);
    }
  }
  return plan;
}

/** Resolves a readiness/metrics URL: a path is taken relative to the SUT's base URL. */
export function resolveAgainst(base: string | undefined, target: string | undefined): string | undefined {
  if (target === undefined) return undefined;
  if (/^https?:\/\//.test(target)) return target;
  if (base === undefined) return undefined;
  return new URL(target, base).href;
}
