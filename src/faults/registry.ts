/**
 * Fault kinds registered by name, validation of specs against them, and applying a validated
 * fault with all-or-nothing semantics. Validation collects every problem of every spec before
 * anything touches the proxy or the IdP.
 */
import { z } from 'zod';
import { HarnessError, ValidationError } from '../errors.ts';
import type { Problem } from '../errors.ts';
import { ENDPOINTS } from '../../mock-idp/contracts.ts';
import { durationMs, joinPath, probability, zodProblems } from './schema.ts';
import type {
  ActiveFault,
  ApplySteps,
  FaultContext,
  FaultKind,
  FaultSpec,
  HttpTarget,
  ResolvedEnvelope,
  ValidFault,
} from './types.ts';

const kinds = new Map<string, FaultKind<unknown>>();

/** Registers a kind under its name; a second kind with the same name is a programming error. */
export function registerFaultKind<A>(definition: FaultKind<A>): void {
  if (kinds.has(definition.kind)) throw new Error(`fault kind ${definition.kind} is already registered`);
  kinds.set(definition.kind, definition);
}

/** The registered kinds, sorted by family then name. */
export function listFaultKinds(): readonly FaultKind<unknown>[] {
  return [...kinds.values()].sort((a, b) => b.family.localeCompare(a.family) || a.kind.localeCompare(b.kind));
}

export function getFaultKind(kind: string): FaultKind<unknown> | undefined {
  return kinds.get(kind);
}

const oneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const httpTargetSchema = z.strictObject({
  issuer: oneOrMany.optional(),
  endpoint: z
    .union([z.enum(ENDPOINTS), z.array(z.enum(ENDPOINTS)).min(1)], {
      error: `must be one or a list of: ${ENDPOINTS.join(', ')}`,
    })
    .optional(),
  client: oneOrMany.optional(),
});

const windowSchema = z.strictObject({ start: durationMs.optional(), stop: durationMs.optional() });

const envelopeSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, {
      error: 'must be 1–63 letters, digits, _ . - (starting alphanumeric)',
    })
    .optional(),
  kind: z.string({ error: 'is required (a registered fault kind)' }),
  // Checked per family below: a proxy name for network kinds, a scope for HTTP kinds.
  target: z.unknown().optional(),
  probability: probability.optional(),
  window: windowSchema.optional(),
  attributes: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Validates one spec. `path` prefixes problem paths (e.g. `faults[2]`). With `ctx` (a live
 * context or a ValidationScope naming what the run will have), targets are also checked. Every check runs even when an earlier
 * one failed, so one pass reports every problem. Returns the fault or the problems.
 */
export function checkFaultSpec(
  spec: unknown,
  options: { path?: string; ctx?: FaultContext | ValidationScope; defaultName?: string } = {},
): { fault: ValidFault; problems: [] } | { fault: undefined; problems: Problem[] } {
  const prefix = options.path ?? '';
  const at = (path: string): string => joinPath(prefix, path);
  if (!isRecord(spec)) {
    return { fault: undefined, problems: [{ path: prefix, message: 'must be an object with a `kind`' }] };
  }
  const parsed = envelopeSchema.safeParse(spec);
  const problems: Problem[] = parsed.success ? [] : zodProblems(parsed.error, prefix);
  const definition = typeof spec.kind === 'string' ? kinds.get(spec.kind) : undefined;
  if (definition === undefined) {
    if (typeof spec.kind === 'string') problems.push(unknownKind(spec.kind, prefix));
    return { fault: undefined, problems };
  }

  const attrs = definition.attributes.safeParse(isRecord(spec.attributes) ? spec.attributes : {});
  if (!attrs.success) problems.push(...zodProblems(attrs.error, at('attributes')));

  if (!definition.probabilityApplies && typeof spec.probability === 'number' && spec.probability !== 1) {
    problems.push({
      path: at('probability'),
      message: `not supported by kind ${definition.kind} (it acts on the whole proxy, not per connection)`,
    });
  }
  // Parsed on its own so the order check runs even when another envelope field is wrong.
  const windowParsed = windowSchema.optional().safeParse(spec.window);
  const window = windowParsed.success ? windowParsed.data : undefined;
  const startMs = window?.start ?? 0;
  const stopMs = window?.stop;
  if (stopMs !== undefined && stopMs <= startMs) {
    problems.push({ path: at('window.stop'), message: `must be after window.start (${startMs}ms)` });
  }

  let target: string | HttpTarget | undefined;
  if (definition.family === 'network') {
    if (spec.target !== undefined && (typeof spec.target !== 'string' || spec.target === '')) {
      problems.push({ path: at('target'), message: "must name one of the run's proxies (a string)" });
    } else {
      target = spec.target;
      const targetProblem =
        options.ctx === undefined ? undefined : checkNetworkTarget(target, scopeOf(options.ctx));
      if (targetProblem !== undefined) problems.push({ path: at('target'), message: targetProblem });
    }
  } else {
    if (typeof spec.target === 'string' && spec.target !== '') target = { issuer: spec.target };
    else if (spec.target !== undefined) {
      const parsedTarget = httpTargetSchema.safeParse(spec.target);
      if (parsedTarget.success) target = resolveTarget(parsedTarget.data);
      else problems.push(...zodProblems(parsedTarget.error, at('target')));
    }
    if (options.ctx !== undefined && !scopeOf(options.ctx).hasIdp) {
      problems.push({
        path: at('kind'),
        message: `${definition.kind} acts inside mock-idp, but no IdP admin API was given`,
      });
    }
  }
  if (!parsed.success || !attrs.success || problems.length > 0) return { fault: undefined, problems };

  const resolved: ResolvedEnvelope = {
    name: parsed.data.name ?? options.defaultName ?? definition.kind,
    kind: definition.kind,
    family: definition.family,
    target,
    probability: parsed.data.probability ?? 1,
    window: { startMs, stopMs },
  };
  return { fault: { envelope: resolved, attributes: attrs.data, definition }, problems: [] };
}

/** Validates one spec or throws a ValidationError listing every problem. */
export function validateFaultSpec(spec: unknown, ctx?: FaultContext | ValidationScope): ValidFault {
  const result = checkFaultSpec(spec, ctx === undefined ? {} : { ctx });
  if (result.fault === undefined) throw new ValidationError('fault', result.problems);
  return result.fault;
}

/**
 * Validates a list of specs (`faults[i]…` paths), filling default names (`kind`, `kind-2` …)
 * and rejecting duplicate names. Throws one ValidationError with every problem of every spec.
 */
export function validateFaultSpecs(
  specs: readonly unknown[],
  ctx?: FaultContext | ValidationScope,
  what = 'faults',
): ValidFault[] {
  const problems: Problem[] = [];
  const faults: ValidFault[] = [];
  const seen = new Map<string, number>();
  const explicit = new Set(specs.flatMap((s) => (isRecord(s) && typeof s.name === 'string' ? [s.name] : [])));
  specs.forEach((spec, index) => {
    const path = `${what}[${index}]`;
    let defaultName: string | undefined;
    if (isRecord(spec) && spec.name === undefined && typeof spec.kind === 'string') {
      // A default name must not collide with a name someone wrote explicitly.
      let n = seen.get(spec.kind) ?? 0;
      do {
        n += 1;
        defaultName = n === 1 ? spec.kind : `${spec.kind}-${n}`;
      } while (explicit.has(defaultName));
      seen.set(spec.kind, n);
    }
    const result = checkFaultSpec(spec, {
      path,
      ...(ctx === undefined ? {} : { ctx }),
      ...(defaultName === undefined ? {} : { defaultName }),
    });
    if (result.fault === undefined) problems.push(...result.problems);
    else faults.push(result.fault);
  });
  const names = new Map<string, number>();
  faults.forEach((f) => names.set(f.envelope.name, (names.get(f.envelope.name) ?? 0) + 1));
  specs.forEach((spec, index) => {
    if (isRecord(spec) && typeof spec.name === 'string' && (names.get(spec.name) ?? 0) > 1) {
      problems.push({
        path: `${what}[${index}].name`,
        message: `duplicate fault name ${JSON.stringify(spec.name)}`,
      });
    }
  });
  if (problems.length > 0) throw new ValidationError(what, problems);
  return faults;
}

/**
 * Applies a fault. Accepts a raw spec (validated first) or a ValidFault. All or nothing: if a
 * step fails, the steps already taken are undone before ERR_FAULT_APPLY is thrown.
 */
export async function applyFault(spec: unknown, ctx: FaultContext): Promise<ActiveFault> {
  const fault = isValidFault(spec) ? spec : validateFaultSpec(spec, ctx);
  // Re-check against this context (a ValidFault may have been validated without one).
  const targetProblem =
    fault.envelope.family === 'network'
      ? checkNetworkTarget(fault.envelope.target as string | undefined, scopeOf(ctx))
      : ctx.idp === undefined
        ? 'no IdP admin API was given'
        : undefined;
  if (targetProblem !== undefined) {
    throw new ValidationError(`fault ${fault.envelope.name}`, [{ path: 'target', message: targetProblem }]);
  }

  const undos: { label: string; undo: () => Promise<unknown> }[] = [];
  const steps: ApplySteps = { done: (label, undo) => undos.push({ label, undo }) };
  let detail: Record<string, unknown>;
  try {
    detail = await fault.definition.apply(fault, ctx, steps);
  } catch (error) {
    const failures = await runUndos(undos);
    const rolledBack =
      failures.length === 0 ? 'nothing left applied' : `undo also failed: ${failures.join('; ')}`;
    throw new HarnessError(
      'ERR_FAULT_APPLY',
      `applying fault ${fault.envelope.name} (${fault.envelope.kind}) failed: ${messageOf(error)} (${rolledBack})`,
      { cause: error },
    );
  }
  return activeFault(fault, detail, undos);
}

function activeFault(
  fault: ValidFault,
  detail: Record<string, unknown>,
  undos: { label: string; undo: () => Promise<unknown> }[],
): ActiveFault {
  let reverting: Promise<void> | undefined;
  let reverted = false;
  return {
    name: fault.envelope.name,
    kind: fault.envelope.kind,
    family: fault.envelope.family,
    appliedAt: new Date(),
    detail,
    get reverted() {
      return reverted;
    },
    revert() {
      reverting ??= runUndos(undos).then((failures) => {
        if (failures.length > 0) {
          // Let a later call retry whatever failed.
          reverting = undefined;
          throw new HarnessError(
            'ERR_FAULT_REVERT',
            `reverting fault ${fault.envelope.name} (${fault.envelope.kind}) failed: ${failures.join('; ')}`,
          );
        }
        reverted = true;
      });
      return reverting;
    },
  };
}

/** Runs undos last-first, each isolated; removes the ones that succeed. Returns failure texts. */
async function runUndos(undos: { label: string; undo: () => Promise<unknown> }[]): Promise<string[]> {
  const failures: string[] = [];
  for (let i = undos.length - 1; i >= 0; i--) {
    const step = undos[i];
    if (step === undefined) continue;
    try {
      await step.undo();
      undos.splice(i, 1);
    } catch (error) {
      failures.push(`${step.label}: ${messageOf(error)}`);
    }
  }
  return failures;
}

function checkNetworkTarget(target: string | undefined, scope: ValidationScope): string | undefined {
  const aliases = scope.proxyAliases;
  if (aliases === undefined)
    return 'network faults need a proxy, and this run has none (keystorm fault: give --upstream)';
  if (target === undefined) {
    return aliases.length === 1
      ? undefined
      : `must name one of the run's proxies (${aliases.join(', ') || 'none'})`;
  }
  if (aliases.includes(target)) return undefined;
  return `unknown proxy ${JSON.stringify(target)}; the run's proxies are: ${aliases.join(', ') || 'none'}`;
}

/**
 * What a run will have, for validating before anything exists: the aliases of its proxies
 * (undefined = no proxy at all) and whether an IdP admin API is configured.
 */
export interface ValidationScope {
  proxyAliases?: readonly string[];
  hasIdp: boolean;
}

function scopeOf(ctx: FaultContext | ValidationScope): ValidationScope {
  if ('hasIdp' in ctx) return ctx;
  const scope: ValidationScope = { hasIdp: ctx.idp !== undefined };
  if (ctx.network !== undefined) scope.proxyAliases = [...ctx.network.proxies.keys()];
  return scope;
}

function resolveTarget(target: z.output<typeof httpTargetSchema>): HttpTarget {
  const out: HttpTarget = {};
  if (target.issuer !== undefined) out.issuer = target.issuer;
  if (target.endpoint !== undefined) out.endpoint = target.endpoint;
  if (target.client !== undefined) out.client = target.client;
  return out;
}

function unknownKind(kind: string, prefix: string): Problem {
  const known = [...kinds.keys()].sort().join(', ');
  return {
    path: joinPath(prefix, 'kind'),
    message: `unknown fault kind ${JSON.stringify(kind)}; known kinds: ${known}`,
  };
}

function isValidFault(value: unknown): value is ValidFault {
  return isRecord(value) && 'definition' in value && 'envelope' in value && 'attributes' in value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Spec fields as a user wrote them, for echoing back (`FaultSpec` is the documented shape). */
export type { FaultSpec };
