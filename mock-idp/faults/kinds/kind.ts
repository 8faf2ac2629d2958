/**
 * What one fault kind is: a name, a schema for its own attributes (kept apart from the common
 * envelope of scope/schedule/TTL), and either a delay it adds or a response it writes instead of
 * the normal one. Kinds are small plugins registered by name: one file each.
 */
import type { ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { Random } from '../../../src/util/random.ts';
import type { DeliveryOutcome, Endpoint, PreparedResponse, RequestContext } from '../../contracts.ts';
import type { Interruptions } from '../interruptions.ts';

/** Everything a response-changing kind needs to answer one request. */
export interface KindResponseContext<A> {
  readonly attributes: A;
  readonly ctx: RequestContext;
  readonly res: ServerResponse;
  /** Computes the normal response (only call it when the kind needs the real body). */
  readonly produce: () => Promise<PreparedResponse>;
  /** The fault's own seeded stream. */
  readonly random: Random;
  /** Client gone / fault ended: every wait a kind does must go through this. */
  readonly interruptions: Interruptions;
}

interface KindBase<S extends z.ZodType> {
  readonly name: string;
  /** One line for docs and errors. */
  readonly summary: string;
  /** Schema of the kind's own attributes (strict: unknown keys rejected). */
  readonly attributes: S;
  /** Endpoints the kind can act on (default: all); the scope defaults to these. */
  readonly endpoints?: readonly Endpoint[];
}

/** Adds a delay before the response; stacks with a response-changing kind. */
export interface DelayKind<S extends z.ZodType = z.ZodType> extends KindBase<S> {
  readonly role: 'delay';
  delayMs(attributes: z.output<S>, random: Random): number;
}

/** Writes something other than the normal response (or nothing at all). */
export interface ResponseKind<S extends z.ZodType = z.ZodType> extends KindBase<S> {
  readonly role: 'response';
  respond(input: KindResponseContext<z.output<S>>): Promise<DeliveryOutcome['status']>;
}

export type FaultKind<S extends z.ZodType = z.ZodType> = DelayKind<S> | ResponseKind<S>;

/** Identity helpers that keep each kind's attribute type attached to its schema. */
export function defineDelayKind<S extends z.ZodType>(kind: DelayKind<S>): DelayKind<S> {
  return kind;
}
export function defineResponseKind<S extends z.ZodType>(kind: ResponseKind<S>): ResponseKind<S> {
  return kind;
}
