/**
 * The HTTP fault plan: the faults currently installed and the delivery of each data-plane
 * response through them. `idle` is a plain boolean read so the hot path (JWKS ≥ 15k req/s) skips
 * the plan entirely while nothing is installed.
 */
import type { ServerResponse } from 'node:http';
import { createRandom } from '../../src/util/random.ts';
import type { Random } from '../../src/util/random.ts';
import { AdminInputError } from '../contracts.ts';
import type {
  AdminRoute,
  DeliveryOutcome,
  FaultDelivery,
  PreparedResponse,
  RequestContext,
} from '../contracts.ts';
import { ActiveFault } from './active-fault.ts';
import { bindInterruptions, ClientWatch } from './interruptions.ts';
import { getFaultKind } from './kinds/index.ts';
import { faultRoutes } from './routes.ts';
import { writeJson, writePrepared } from './response-io.ts';
import { faultSpecSchema } from './types.ts';
import type { FaultRecord, FaultSpec, ResolvedFaultSpec } from './types.ts';
import { issuesToProblems } from './zod-helpers.ts';

/** A fault lifecycle change, for the event stream. */
export interface FaultEvent {
  type: 'fault.added' | 'fault.removed' | 'fault.expired' | 'faults.cleared';
  detail: Record<string, unknown>;
}

export interface FaultPlanOptions {
  /** Seeded stream; each fault forks its own (or uses `schedule.seed`). */
  random: Random;
  /** Epoch milliseconds (injectable for tests). */
  now?: () => number;
  /** Lifecycle events (added, removed, expired, cleared), e.g. measurements.onEvent. */
  onEvent?: (event: FaultEvent) => void;
}

export interface FaultPlan extends FaultDelivery {
  /** Validates and installs a fault; throws AdminInputError naming every bad field. */
  add(spec: FaultSpec | Record<string, unknown>): FaultRecord;
  /** Removes a fault (interrupting its hangs/drips); false when unknown. */
  remove(id: string): boolean;
  get(id: string): FaultRecord | undefined;
  /** Installed, unexpired faults in creation order. */
  list(): FaultRecord[];
  /** Removes every fault. */
  clear(): void;
  /** Admin routes under /faults. `knownIssuer` turns an unknown issuer in a scope into a 404. */
  routes(knownIssuer: (name: string) => boolean): AdminRoute[];
}

/** Validates a spec without installing it: the resolved spec, or every problem. */
export function parseFaultSpec(
  input: unknown,
): { ok: true; spec: ResolvedFaultSpec } | { ok: false; problems: { path: string; message: string }[] } {
  const parsed = faultSpecSchema.safeParse(input);
  if (!parsed.success) return { ok: false, problems: issuesToProblems(parsed.error.issues) };
  const spec = parsed.data;
  const kind = getFaultKind(spec.kind);
  const allowed = kind?.endpoints;
  if (allowed !== undefined && spec.scope.endpoint !== undefined) {
    const bad = spec.scope.endpoint.filter((e) => !allowed.includes(e));
    if (bad.length > 0) {
      return {
        ok: false,
        problems: [
          {
            path: 'scope.endpoint',
            message: `${spec.kind} acts only on ${allowed.join(', ')} (got ${bad.join(', ')})`,
          },
        ],
      };
    }
  }
  return { ok: true, spec };
}

export function createFaultPlan(options: FaultPlanOptions): FaultPlan {
  const now = options.now ?? Date.now;
  const emit = options.onEvent ?? (() => {});
  // Creation order decides which response fault wins when several match.
  let faults: ActiveFault[] = [];
  let nextId = 1;

  const drop = (fault: ActiveFault): boolean => {
    const index = faults.indexOf(fault);
    if (index === -1) return false;
    faults = faults.filter((f) => f !== fault);
    fault.end();
    return true;
  };
  const expire = (fault: ActiveFault): void => {
    if (drop(fault)) emit({ type: 'fault.expired', detail: { id: fault.id, kind: fault.kind.name } });
  };
  const purgeExpired = (t: number): void => {
    for (const f of faults) if (t >= f.expiresAt) expire(f);
  };

  const plan: FaultPlan = {
    get idle() {
      return faults.length === 0;
    },

    add(input) {
      const parsed = parseFaultSpec(input);
      if (!parsed.ok) throw new AdminInputError(parsed.problems);
      const spec = parsed.spec;
      const kind = getFaultKind(spec.kind);
      if (kind === undefined) throw new AdminInputError([{ path: 'kind', message: 'unknown kind' }]);
      const id = `fault-${nextId++}`;
      // An explicit seed gives a stream that depends on that seed alone, whatever else ran before.
      const random =
        spec.schedule.seed === undefined ? options.random.fork(id) : createRandom(spec.schedule.seed);
      const createdAt = now();
      const fault = new ActiveFault(id, kind, spec, random, createdAt);
      fault.arm(expire, spec.ttl);
      faults = [...faults, fault];
      const record = fault.toRecord();
      emit({
        type: 'fault.added',
        detail: { id, kind: spec.kind, name: spec.name, expiresAt: record.expiresAt },
      });
      return record;
    },

    remove(id) {
      const fault = faults.find((f) => f.id === id);
      if (fault === undefined || !drop(fault)) return false;
      emit({ type: 'fault.removed', detail: { id, kind: fault.kind.name } });
      return true;
    },

    get(id) {
      purgeExpired(now());
      return faults.find((f) => f.id === id)?.toRecord();
    },

    list() {
      purgeExpired(now());
      return faults.map((f) => f.toRecord());
    },

    clear() {
      const all = faults;
      faults = [];
      for (const f of all) f.end();
      if (all.length > 0) emit({ type: 'faults.cleared', detail: { count: all.length } });
    },

    routes(knownIssuer) {
      return faultRoutes(plan, knownIssuer);
    },

    async deliver(ctx, res, produce) {
      try {
        if (faults.length === 0) return await deliverPlain(res, produce, []);
        const t = now();
        let delays: ActiveFault[] | undefined;
        let responder: ActiveFault | undefined;
        // Every fault in scope counts the request (first-N/every-Nth are per fault).
        for (const fault of faults) {
          if (!fault.fires(ctx, t)) continue;
          if (fault.kind.role === 'delay') (delays ??= []).push(fault);
          else responder ??= fault;
        }
        if (delays === undefined && responder === undefined) return await deliverPlain(res, produce, []);
        return await deliverFaulted(ctx, res, produce, delays ?? [], responder);
      } catch {
        // deliver must never throw; a failure inside a fault becomes a 500 or a dropped socket.
        if (!res.headersSent && !res.destroyed) writeJson(res, 500, { error: 'server_error' });
        else res.destroy();
        return { status: 500, faults: [] };
      }
    },
  };
  return plan;
}

async function deliverPlain(
  res: ServerResponse,
  produce: () => Promise<PreparedResponse>,
  names: string[],
): Promise<DeliveryOutcome> {
  const prepared = await produce();
  if (res.destroyed) return { status: 'aborted', faults: names };
  writePrepared(res, prepared);
  return { status: prepared.status, faults: names };
}

async function deliverFaulted(
  ctx: RequestContext,
  res: ServerResponse,
  produce: () => Promise<PreparedResponse>,
  delays: ActiveFault[],
  responder: ActiveFault | undefined,
): Promise<DeliveryOutcome> {
  const watch = new ClientWatch(res);
  const names: string[] = [];
  try {
    for (const fault of delays) {
      if (fault.kind.role !== 'delay') continue;
      fault.applied++;
      names.push(fault.kind.name);
      const ms = fault.kind.delayMs(fault.spec.attributes, fault.random);
      if ((await watch.wait(ms, fault.signal)) === 'client-gone') return { status: 'aborted', faults: names };
    }
    if (responder === undefined || responder.kind.role !== 'response') {
      if (watch.gone) return { status: 'aborted', faults: names };
      return await deliverPlain(res, produce, names);
    }
    responder.applied++;
    names.push(responder.kind.name);
    const status = await responder.kind.respond({
      attributes: responder.spec.attributes,
      ctx,
      res,
      produce,
      random: responder.random,
      interruptions: bindInterruptions(watch, responder.signal),
    });
    return { status: watch.gone && typeof status === 'number' ? 'aborted' : status, faults: names };
  } finally {
    watch.dispose();
  }
}
