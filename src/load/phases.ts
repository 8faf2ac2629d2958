/**
 * Load phases as users write them, validated (every problem reported with its dotted path,
 * unknown keys rejected) and resolved with every cap filled in. Each phase is bounded in time
 * AND in count even when the user gives no bound: the hard caps below apply regardless.
 */
import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import type { Problem } from '../errors.ts';
import { tryParseDuration } from '../util/duration.ts';
import { zodProblems } from '../util/problems.ts';
import { LIMITS } from './limits.ts';

export { LIMITS } from './limits.ts';

const duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = tryParseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(value)} is not a duration (e.g. 250ms, 5s, 1m30s)`,
    });
    return z.NEVER;
  }
  if (ms > LIMITS.phaseMs) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is longer than the 24h cap` });
    return z.NEVER;
  }
  return ms;
});
const positiveDuration = duration.refine((ms) => ms > 0, 'must be longer than 0');
const rate = z.number().min(0).max(LIMITS.rate);
const count = (max: number): z.ZodNumber => z.number().int().min(1).max(max);
const name = z.string().min(1).max(100).optional();

const constantArrival = z.strictObject({
  type: z.literal('constant-arrival'),
  name,
  /** Starts per second. */
  rate: rate.refine((r) => r > 0, 'must be > 0'),
  duration: positiveDuration,
  /** Stop after this many starts (default: rate × duration). */
  maxRequests: count(LIMITS.phaseRequests).optional(),
});

const rampingArrival = z.strictObject({
  type: z.literal('ramping-arrival'),
  name,
  /** Rate at the start of the first stage (default 0). */
  startRate: rate.optional(),
  /** Linear ramps, k6-style: the rate moves to `target` over `duration`. */
  stages: z
    .array(z.strictObject({ target: rate, duration: positiveDuration }))
    .min(1)
    .max(1000),
  maxRequests: count(LIMITS.phaseRequests).optional(),
});

const closed = z.strictObject({
  type: z.literal('closed'),
  name,
  /** Virtual users, each sending one request at a time in a loop. */
  vus: count(LIMITS.vus),
  duration: positiveDuration,
  /** Stop after this many requests over all VUs. */
  maxRequests: count(LIMITS.phaseRequests).optional(),
  /** Pause of each VU between a response and its next request (default 0). */
  thinkTime: duration.optional(),
});

const burst = z.strictObject({
  type: z.literal('burst'),
  name,
  /** Requests released at the same instant. */
  count: count(LIMITS.burst),
  /** Time reserved on the timeline after the release before the next phase (default 0). */
  duration: duration.optional(),
  /** Bound on preparing the requests (an async source may wait for tokens); default 30s. */
  prepareTimeout: positiveDuration.optional(),
});

const pause = z.strictObject({
  type: z.literal('pause'),
  name,
  duration: positiveDuration,
});

export const phaseSchema = z.discriminatedUnion('type', [
  constantArrival,
  rampingArrival,
  closed,
  burst,
  pause,
]);

/** A phase as written by users (durations as `'5s'` or milliseconds). */
export type PhaseInput = z.input<typeof phaseSchema>;
type ParsedPhase = z.output<typeof phaseSchema>;

/** One linear segment of an arrival schedule. */
export interface RateSegment {
  fromRate: number;
  toRate: number;
  durationMs: number;
}

interface ResolvedBase {
  index: number;
  name: string;
  /** Longest the phase may run (ms); it ends earlier when its count cap is reached. */
  durationMs: number;
  /** Most requests the phase may start. */
  maxRequests: number;
}

export type ResolvedPhase =
  | (ResolvedBase & { type: 'arrival'; segments: RateSegment[] })
  | (ResolvedBase & { type: 'closed'; vus: number; thinkTimeMs: number })
  | (ResolvedBase & { type: 'burst'; prepareTimeoutMs: number })
  | (ResolvedBase & { type: 'pause' });

function expectedStarts(segments: readonly RateSegment[]): number {
  return segments.reduce((n, s) => n + ((s.fromRate + s.toRate) / 2) * (s.durationMs / 1000), 0);
}

function resolveOne(p: ParsedPhase, index: number): ResolvedPhase {
  const base = { index, name: p.name ?? `${p.type}#${index}` };
  const cap = (max: number | undefined, natural: number): number =>
    Math.min(max ?? LIMITS.phaseRequests, Math.ceil(natural), LIMITS.phaseRequests);
  switch (p.type) {
    case 'constant-arrival': {
      const segments = [{ fromRate: p.rate, toRate: p.rate, durationMs: p.duration }];
      return {
        ...base,
        type: 'arrival',
        segments,
        durationMs: p.duration,
        maxRequests: cap(p.maxRequests, expectedStarts(segments) + 1),
      };
    }
    case 'ramping-arrival': {
      let from = p.startRate ?? 0;
      const segments = p.stages.map((s) => {
        const seg = { fromRate: from, toRate: s.target, durationMs: s.duration };
        from = s.target;
        return seg;
      });
      const durationMs = Math.min(
        LIMITS.phaseMs,
        segments.reduce((t, s) => t + s.durationMs, 0),
      );
      return {
        ...base,
        type: 'arrival',
        segments,
        durationMs,
        maxRequests: cap(p.maxRequests, expectedStarts(segments) + 1),
      };
    }
    case 'closed':
      return {
        ...base,
        type: 'closed',
        vus: p.vus,
        thinkTimeMs: p.thinkTime ?? 0,
        durationMs: p.duration,
        maxRequests: cap(p.maxRequests, LIMITS.phaseRequests),
      };
    case 'burst':
      return {
        ...base,
        type: 'burst',
        durationMs: p.duration ?? 0,
        maxRequests: p.count,
        prepareTimeoutMs: p.prepareTimeout ?? 30_000,
      };
    case 'pause':
      return { ...base, type: 'pause', durationMs: p.duration, maxRequests: 0 };
  }
}

/** Converts zod issues to keystorm's dotted-path problems. */
export function problemsOf(error: z.ZodError, prefix: string): Problem[] {
  return zodProblems(error, { prefix });
}

/**
 * Validates and resolves a list of phases.
 * @throws ValidationError listing every problem (`phases[1].rate: …`)
 */
export function resolvePhases(input: unknown): ResolvedPhase[] {
  const parsed = z.array(phaseSchema).min(1).max(LIMITS.phases).safeParse(input);
  if (!parsed.success) throw new ValidationError('load phases', problemsOf(parsed.error, 'phases'));
  return parsed.data.map(resolveOne);
}
