/**
 * latency: delays the response (before anything is written). Fixed, with uniform jitter, or drawn
 * from a long-tail distribution (lognormal around a median, or Pareto above a scale), always
 * capped. Stacks with a response-changing fault: the delay comes first.
 */
import { z } from 'zod';
import type { Random } from '../../../src/util/random.ts';
import { zDuration } from '../zod-helpers.ts';
import { defineDelayKind } from './kind.ts';

const MAX_DELAY_MS = 10 * 60_000;

const attributes = z
  .strictObject({
    /** Base delay; the median for lognormal, the minimum (scale) for Pareto. */
    ms: zDuration({ max: MAX_DELAY_MS }),
    /** Uniform jitter added as ±jitter around the drawn value (never below 0). */
    jitter: zDuration({ max: MAX_DELAY_MS }).default(0),
    distribution: z.enum(['fixed', 'lognormal', 'pareto']).default('fixed'),
    /** Lognormal shape: larger means a longer tail. */
    sigma: z.number().positive().max(5).default(1),
    /** Pareto shape: smaller means a longer tail (1.16 ≈ the 80/20 rule). */
    alpha: z.number().positive().max(20).default(1.5),
    /** Upper bound of any drawn delay (long tails need one). */
    cap: zDuration({ max: MAX_DELAY_MS }).default(60_000),
  })
  .refine((a) => a.cap >= a.ms, { path: ['cap'], message: 'must be at least ms' });

export type LatencyAttributes = z.output<typeof attributes>;

/** Standard normal draw by Box–Muller from the seeded stream. */
function gaussian(random: Random): number {
  const u = 1 - random.next(); // (0, 1]: log(0) is never taken
  const v = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function drawLatency(a: LatencyAttributes, random: Random): number {
  let ms = a.ms;
  if (a.distribution === 'lognormal') ms = a.ms * Math.exp(a.sigma * gaussian(random));
  else if (a.distribution === 'pareto') ms = a.ms / Math.pow(1 - random.next(), 1 / a.alpha);
  if (a.jitter > 0) ms += (random.next() * 2 - 1) * a.jitter;
  return Math.min(Math.max(ms, 0), a.cap);
}

export const latencyKind = defineDelayKind({
  name: 'latency',
  summary: 'delay before the response: fixed, ±jitter, or lognormal/pareto long tail, capped',
  role: 'delay',
  attributes,
  delayMs: drawLatency,
});
