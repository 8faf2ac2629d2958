/**
 * One installed fault: its validated spec, compiled scope, schedule state, seeded stream, TTL
 * timer and the abort signal that ends every wait it started (hangs, drips, delays).
 */
import { setMaxListeners } from 'node:events';
import type { Random } from '../../src/util/random.ts';
import type { RequestContext } from '../contracts.ts';
import type { FaultKind } from './kinds/kind.ts';
import { Schedule } from './schedule.ts';
import { compileScope } from './scope.ts';
import type { ScopeMatcher } from './scope.ts';
import type { FaultRecord, ResolvedFaultSpec } from './types.ts';

export class ActiveFault {
  readonly id: string;
  readonly kind: FaultKind;
  readonly spec: ResolvedFaultSpec;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly random: Random;
  readonly schedule: Schedule;
  applied = 0;
  readonly #controller = new AbortController();
  readonly #matches: ScopeMatcher;
  #timer: NodeJS.Timeout | undefined;

  constructor(id: string, kind: FaultKind, spec: ResolvedFaultSpec, random: Random, createdAt: number) {
    this.id = id;
    this.kind = kind;
    this.spec = spec;
    this.random = random;
    this.createdAt = createdAt;
    this.expiresAt = createdAt + spec.ttl;
    this.schedule = new Schedule(spec.schedule, random, createdAt);
    this.#matches = compileScope(spec.scope, kind.endpoints);
    // Every request waiting under this fault listens here until its wait ends (each removes its
    // listener): a stampede of 50 waits is concurrency to serve, not a leak to warn about.
    setMaxListeners(0, this.#controller.signal);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Arms the TTL timer (unref'd: a fault never keeps the process alive). */
  arm(onExpire: (fault: ActiveFault) => void, delayMs: number): void {
    this.#timer = setTimeout(onExpire, Math.max(0, delayMs), this);
    this.#timer.unref();
  }

  /** In scope and scheduled for this request? Counts the request when in scope. */
  fires(ctx: RequestContext, now: number): boolean {
    return now < this.expiresAt && this.#matches(ctx) && this.schedule.decide(now);
  }

  /** Ends the fault: stops its timer and interrupts every wait it started. */
  end(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#controller.abort();
  }

  toRecord(): FaultRecord {
    const s = this.spec;
    const record: FaultRecord = {
      id: this.id,
      kind: s.kind,
      scope: { ...s.scope },
      schedule: { ...s.schedule },
      attributes: { ...(s.attributes as Record<string, unknown>) },
      ttlMs: s.ttl,
      createdAt: new Date(this.createdAt).toISOString(),
      expiresAt: new Date(this.expiresAt).toISOString(),
      matched: this.schedule.matched,
      applied: this.applied,
    };
    if (s.name !== undefined) record.name = s.name;
    return record;
  }
}
