/**
 * Shared shape of the HTTP kinds: each delegates to mock-idp's fault API (`admin.faults.add`)
 * with the same kind, scoped by `target`, and always with a TTL, so a harness killed with
 * SIGKILL leaves nothing behind once the TTL passes. Attributes are validated with mock-idp's
 * own schema for the kind (one definition, no drift), plus `firstN` / `everyNth` which map to
 * mock-idp's schedule.
 */
import { z } from 'zod';
import type { FaultKind as IdpFaultKind } from '../../../mock-idp/faults/kinds/kind.ts';
import { MAX_FAULT_TTL_MS } from '../../../mock-idp/faults/types.ts';
import type { FaultContext, FaultKind, HttpTarget, ValidFault } from '../types.ts';

/** Lease of an HTTP fault when neither the window nor the context sets one. */
export const DEFAULT_HTTP_TTL_MS = 120_000;
/** Added to a window's length so a fault does not expire a moment before its planned revert. */
export const HTTP_TTL_GRACE_MS = 30_000;
/** mock-idp refuses longer TTLs. */
export const MAX_HTTP_TTL_MS = MAX_FAULT_TTL_MS;

const scheduleShape = {
  /** Fault only the first N requests in scope. */
  firstN: z.number({ error: 'must be a whole number ≥ 1' }).int().min(1).optional(),
  /** Fault every Nth request in scope. */
  everyNth: z.number({ error: 'must be a whole number ≥ 1' }).int().min(1).optional(),
};
const scheduleSchema = z.object(scheduleShape);

export interface HttpAttributes {
  /** The kind's attributes as mock-idp parsed them (defaults filled, durations in ms). */
  idp: Record<string, unknown>;
  firstN?: number;
  everyNth?: number;
}

/**
 * The attribute schema of an HTTP kind: schedule keys are split off, the rest goes through
 * mock-idp's schema, and the issues of both keep their `attributes.…` paths.
 */
function httpAttributes(idpSchema: z.ZodType): z.ZodType<HttpAttributes, unknown> {
  return z.record(z.string(), z.unknown()).transform((raw, ctx) => {
    const { firstN, everyNth, ...rest } = raw;
    const schedule = scheduleSchema.safeParse({ firstN, everyNth });
    const idp = idpSchema.safeParse(rest);
    for (const issue of [...(schedule.error?.issues ?? []), ...(idp.error?.issues ?? [])]) {
      ctx.issues.push({ ...issue, input: raw } as (typeof ctx.issues)[number]);
    }
    if (!schedule.success || !idp.success) return z.NEVER;
    const out: HttpAttributes = { idp: idp.data as Record<string, unknown> };
    if (schedule.data.firstN !== undefined) out.firstN = schedule.data.firstN;
    if (schedule.data.everyNth !== undefined) out.everyNth = schedule.data.everyNth;
    return out;
  });
}

/** Defines `http-<name>` over mock-idp's kind `<name>`. */
export function httpKind(idpKind: IdpFaultKind, summary?: string): FaultKind<HttpAttributes> {
  return {
    kind: `http-${idpKind.name}`,
    family: 'http',
    summary: `${summary ?? idpKind.summary} (mock-idp \`${idpKind.name}\`)`,
    attributes: httpAttributes(idpKind.attributes),
    probabilityApplies: true,
    async apply(fault, ctx, steps) {
      const idp = ctx.idp;
      if (idp === undefined) throw new Error('HTTP fault applied without an IdP admin API');
      const ttlMs = httpTtlMs(fault, ctx);
      const spec = {
        kind: idpKind.name,
        name: `keystorm:${fault.envelope.name}`,
        scope: scopeOf(fault.envelope.target as HttpTarget | undefined),
        schedule: scheduleOf(fault),
        ttl: ttlMs,
        attributes: fault.attributes.idp,
      };
      const record = await idp.faults.add(spec);
      steps.done(`remove IdP fault ${record.id}`, () => removeIgnoringMissing(ctx, record.id));
      return {
        idpFaultId: record.id,
        idpKind: idpKind.name,
        ttlMs,
        expiresAt: record.expiresAt ?? null,
        scope: spec.scope,
      };
    },
  };
}

/** TTL: the window's length plus grace, else the context's lease, capped at mock-idp's maximum. */
export function httpTtlMs(fault: ValidFault<unknown>, ctx: FaultContext): number {
  const { startMs, stopMs } = fault.envelope.window;
  const ttl =
    stopMs === undefined ? (ctx.httpTtlMs ?? DEFAULT_HTTP_TTL_MS) : stopMs - startMs + HTTP_TTL_GRACE_MS;
  return Math.min(Math.max(Math.ceil(ttl), 1), MAX_HTTP_TTL_MS);
}

function scopeOf(target: HttpTarget | undefined): Record<string, string | string[]> {
  const scope: Record<string, string | string[]> = {};
  if (target?.issuer !== undefined) scope.issuer = target.issuer;
  if (target?.endpoint !== undefined) scope.endpoint = target.endpoint;
  if (target?.client !== undefined) scope.client = target.client;
  return scope;
}

function scheduleOf(fault: ValidFault<HttpAttributes>): Record<string, number> {
  const schedule: Record<string, number> = {};
  if (fault.envelope.probability < 1) schedule.probability = fault.envelope.probability;
  if (fault.attributes.firstN !== undefined) schedule.firstN = fault.attributes.firstN;
  if (fault.attributes.everyNth !== undefined) schedule.everyNth = fault.attributes.everyNth;
  return schedule;
}

/** Removing a fault that already expired (404) counts as done. */
async function removeIgnoringMissing(ctx: FaultContext, id: string): Promise<void> {
  try {
    await ctx.idp?.faults.remove(id);
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
}

function isNotFound(error: unknown): boolean {
  if (typeof error === 'object' && error !== null && 'status' in error && error.status === 404) return true;
  return error instanceof Error && /\b404\b|not[_ ]found/i.test(error.message);
}
