/**
 * The fault spec (what the harness sends) and the fault record (what the admin API returns).
 * A spec is a common envelope — kind, name, scope, schedule, TTL — plus the kind's own
 * `attributes`, validated by the kind's schema (see kinds/).
 */
import { z } from 'zod';
import { ENDPOINTS } from '../contracts.ts';
import { contentTypeKind } from './kinds/content-type.ts';
import { dripKind } from './kinds/drip.ts';
import { emptyKeysKind } from './kinds/empty-keys.ts';
import { hangKind } from './kinds/hang.ts';
import { latencyKind } from './kinds/latency.ts';
import { malformedJsonKind } from './kinds/malformed-json.ts';
import { resetKind } from './kinds/reset.ts';
import { statusKind } from './kinds/status.ts';
import { truncateKind } from './kinds/truncate.ts';
import { zDuration, zOneOrMany } from './zod-helpers.ts';

/** Default time to live of a fault: nothing outlives a crashed harness by more than this. */
export const DEFAULT_FAULT_TTL_MS = 5 * 60_000;
/** Upper bound of any fault's TTL. */
export const MAX_FAULT_TTL_MS = 60 * 60_000;

const name = z.string().min(1).max(200);

export const faultScopeSchema = z.strictObject({
  /** Issuer names (path segment); default every issuer. */
  issuer: zOneOrMany(name).optional(),
  /** Endpoints; default every endpoint the kind can act on. */
  endpoint: zOneOrMany(z.enum(ENDPOINTS)).optional(),
  /** Client ids (`/_c/{id}` prefix or x-keystorm-client header); default every client. */
  client: zOneOrMany(name).optional(),
  /** Source addresses (IPv4-mapped IPv6 is matched as IPv4). */
  remoteAddress: zOneOrMany(z.string().min(1).max(64)).optional(),
  /** A request header that must be present (and equal `value`, when given). */
  header: z
    .strictObject({
      name: z
        .string()
        .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP header name')
        .max(200)
        .transform((s) => s.toLowerCase()),
      value: z.string().max(8192).optional(),
    })
    .optional(),
});

export const faultScheduleSchema = z
  .strictObject({
    /** Chance that a request in scope is faulted, drawn from the seeded stream. */
    probability: z.number().min(0).max(1).optional(),
    /** Seed of this fault's own stream (default: forked from the provider's seed). */
    seed: z.number().int().min(0).max(0xffffffff).optional(),
    /** Fault only the first N requests in scope. */
    firstN: z.number().int().min(1).optional(),
    /** Fault every Nth request in scope (the Nth, 2Nth, …). */
    everyNth: z.number().int().min(1).optional(),
    /** Active only between start and end, measured from the fault's creation. */
    window: z
      .strictObject({
        start: zDuration({ max: MAX_FAULT_TTL_MS }).default(0),
        end: zDuration({ max: MAX_FAULT_TTL_MS }).optional(),
      })
      .refine((w) => w.end === undefined || w.end > w.start, {
        path: ['end'],
        message: 'must be after start',
      })
      .optional(),
  })
  .prefault({});

const envelope = {
  /** Label for people and the event stream. */
  name: z.string().min(1).max(200).optional(),
  scope: faultScopeSchema.prefault({}),
  schedule: faultScheduleSchema,
  /** Time to live (default 5m, at most 1h). */
  ttl: zDuration({ max: MAX_FAULT_TTL_MS }).default(DEFAULT_FAULT_TTL_MS),
};

export const faultSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('latency'), ...envelope, attributes: latencyKind.attributes }),
  z.strictObject({ kind: z.literal('status'), ...envelope, attributes: statusKind.attributes.prefault({}) }),
  z.strictObject({ kind: z.literal('hang'), ...envelope, attributes: hangKind.attributes.prefault({}) }),
  z.strictObject({ kind: z.literal('reset'), ...envelope, attributes: resetKind.attributes.prefault({}) }),
  z.strictObject({
    kind: z.literal('truncate'),
    ...envelope,
    attributes: truncateKind.attributes.prefault({}),
  }),
  z.strictObject({
    kind: z.literal('malformed-json'),
    ...envelope,
    attributes: malformedJsonKind.attributes.prefault({}),
  }),
  z.strictObject({
    kind: z.literal('content-type'),
    ...envelope,
    attributes: contentTypeKind.attributes.prefault({}),
  }),
  z.strictObject({
    kind: z.literal('empty-keys'),
    ...envelope,
    attributes: emptyKeysKind.attributes.prefault({}),
  }),
  z.strictObject({ kind: z.literal('drip'), ...envelope, attributes: dripKind.attributes.prefault({}) }),
]);

/** A fault as the harness writes it: durations as `250ms`/`5s` or milliseconds, most fields optional. */
export type FaultSpec = z.input<typeof faultSpecSchema>;
/** A validated spec with every default filled and durations in milliseconds. */
export type ResolvedFaultSpec = z.output<typeof faultSpecSchema>;
export type FaultKindName = FaultSpec['kind'];

/** A fault as the admin API reports it. */
export interface FaultRecord {
  id: string;
  kind: FaultKindName;
  name?: string;
  scope: ResolvedFaultSpec['scope'];
  schedule: ResolvedFaultSpec['schedule'];
  /** The kind's attributes with defaults filled (durations in ms). */
  attributes: Record<string, unknown>;
  ttlMs: number;
  /** ISO timestamps. */
  createdAt: string;
  expiresAt: string;
  /** Requests in scope (inside the window) so far, and how many of them were faulted. */
  matched: number;
  applied: number;
}
