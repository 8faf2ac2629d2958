/**
 * The vocabulary of faults. A fault spec is plain data — a common envelope (name, kind,
 * target, probability, window) plus the kind's own `attributes` — so scenarios stay
 * declarative and serialisable. A kind turns a validated spec into steps against the proxy or
 * the IdP; every step records its own undo, which is what makes a fault revertible and an
 * apply that fails midway leave nothing behind.
 */
import type { z } from 'zod';
import type { ProxyAdapter } from '../proxy/adapter.ts';

/** Where a kind acts: through the TCP proxy, or inside mock-idp's HTTP fault plan. */
export type FaultFamily = 'network' | 'http';

/** HTTP faults are scoped to a part of the IdP; every field narrows (absent = all). */
export interface HttpTarget {
  issuer?: string | string[];
  /** discovery, jwks, token, authorize, userinfo. */
  endpoint?: string | string[];
  client?: string | string[];
}

/** A fault as users write it (before validation). */
export interface FaultSpec {
  /** Unique within a run; defaults to the kind (then `kind-2`, … for repeats). */
  name?: string;
  /** A registered kind (`latency`, `down`, `http-error` …): see listFaultKinds(). */
  kind: string;
  /**
   * Network kinds: the proxy, by the run's name for it (optional when the run has one proxy).
   * HTTP kinds: `{ issuer?, endpoint?, client? }`, or a string naming the issuer.
   */
  target?: string | HttpTarget;
  /**
   * Share of traffic affected, 0..1 (default 1). Network kinds: Toxiproxy's toxicity, drawn
   * once per TCP connection. HTTP kinds: mock-idp's per-request probability.
   */
  probability?: number;
  /**
   * When the fault is active, as offsets from the start of the phase that holds it
   * (`{ start: '5s', stop: '20s' }`). applyFault() ignores it: the caller schedules (see
   * holdFaults()). HTTP faults get a TTL of the window's length plus a grace period.
   */
  window?: { start?: string | number; stop?: string | number };
  /** The kind's own attributes (see docs/faults.md). Durations accept `250ms`, `5s` or ms. */
  attributes?: Record<string, unknown>;
}

/** The common envelope after validation, defaults filled. */
export interface ResolvedEnvelope {
  name: string;
  kind: string;
  family: FaultFamily;
  /** Network: the proxy name as the run knows it (undefined = the run's only proxy). */
  target: string | HttpTarget | undefined;
  probability: number;
  window: { startMs: number; stopMs: number | undefined };
}

/** A validated fault: envelope and parsed attributes, ready to apply. */
export interface ValidFault<A = unknown> {
  readonly envelope: ResolvedEnvelope;
  readonly attributes: A;
  readonly definition: FaultKind<A>;
}

/**
 * The slice of mock-idp's admin client a fault needs (`admin.faults`). The record shape is
 * mock-idp's; we only rely on `id` and `expiresAt`.
 */
export interface IdpFaultsApi {
  add(spec: Record<string, unknown>): Promise<{ id: string; expiresAt?: string | number | null }>;
  remove(id: string): Promise<unknown>;
  list(): Promise<readonly { id: string }[]>;
}

/** A proxy created for the run: the name scenarios use, the real proxy name and address. */
export interface RunProxy {
  /** Name the run uses for it in `target` (e.g. `idp`). */
  readonly alias: string;
  /** Proxy name on the Toxiproxy server (run-unique, e.g. `keystorm-4711-idp`). */
  readonly name: string;
  readonly listen: string;
  readonly upstream: string;
}

/** What applying a fault needs. Families only require their own part. */
export interface FaultContext {
  network?: {
    adapter: ProxyAdapter;
    /** The run's proxies, by alias. */
    proxies: ReadonlyMap<string, RunProxy>;
  };
  idp?: {
    faults: IdpFaultsApi;
  };
  /**
   * Lease of HTTP faults without a window stop, in ms (default 120 000). mock-idp drops the
   * fault once it passes, so a SIGKILLed harness leaves nothing behind for longer than this.
   * A run holding faults longer must pass at least its duration.
   */
  httpTtlMs?: number;
}

/** Records the undo of each step a kind takes, in order. */
export interface ApplySteps {
  /** Registers how to undo a step that has just succeeded. */
  done(label: string, undo: () => Promise<unknown>): void;
}

/** One registered kind. */
export interface FaultKind<A = unknown> {
  readonly kind: string;
  readonly family: FaultFamily;
  /** One line for `keystorm fault --list` and docs. */
  readonly summary: string;
  /** Schema of `attributes` (strict: unknown keys are problems). */
  readonly attributes: z.ZodType<A, unknown>;
  /** False when `probability` makes no sense for the kind (e.g. `down` acts on the whole proxy). */
  readonly probabilityApplies: boolean;
  /**
   * Performs the fault, calling steps.done() after each step that changed something. Returns
   * details for reports (toxic names, IdP fault ids).
   */
  apply(fault: ValidFault<A>, ctx: FaultContext, steps: ApplySteps): Promise<Record<string, unknown>>;
}

/** A fault in effect. */
export interface ActiveFault {
  readonly name: string;
  readonly kind: string;
  readonly family: FaultFamily;
  readonly appliedAt: Date;
  /** What was done (proxy and toxic names, IdP fault ids …). */
  readonly detail: Readonly<Record<string, unknown>>;
  readonly reverted: boolean;
  /**
   * Undoes every step (reverse order, each attempted even when another fails). Idempotent;
   * something already gone (404) counts as reverted. Throws ERR_FAULT_REVERT listing failures.
   */
  revert(): Promise<void>;
}
