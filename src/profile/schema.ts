/**
 * The SUT profile: what the verifier's key cache does (its timings) and what it enforces (its
 * capabilities). Users pin it under `sut.profile` in the config, written by hand from the
 * verifier's settings or copied from `keystorm calibrate`, which measures the timings from
 * outside. Every field is optional: an absent field means "not known".
 *
 * A timing is either a duration (`'10s'`, or milliseconds) or `{ atLeast: duration }` when it
 * is only known to be longer than that — calibration never guesses a value it could not wait
 * for (a 10-minute TTL probed within a 1-minute budget is `{ atLeast: '60s' }`).
 */
import { z } from 'zod';
import { tryParseDuration } from '../util/duration.ts';

const DURATION_HINT = 'must be a duration (e.g. 250ms, 5s, 10m) or a number of milliseconds';

const durationMs = z
  .union([z.string(), z.number().min(0)], { error: DURATION_HINT })
  .transform((value, ctx) => {
    const ms = tryParseDuration(value);
    if (ms === undefined || ms < 0) {
      ctx.issues.push({
        code: 'custom',
        message: `${DURATION_HINT}, got ${JSON.stringify(value)}`,
        input: value,
      });
      return z.NEVER;
    }
    return ms;
  });

/**
 * A known duration, or a lower bound when the value exceeded what could be measured, or
 * `{ scaled: duration }`: that duration times the run's time scale — for a SUT whose env sets the
 * same timing with `{{scaled …}}`, so the profile follows `--time-scale` as the SUT does.
 */
export const timingSchema = z.union(
  [durationMs, z.strictObject({ atLeast: durationMs }), z.strictObject({ scaled: durationMs })],
  { error: `${DURATION_HINT}, { atLeast: duration } for a lower bound, or { scaled: duration }` },
);

export const capabilitiesSchema = z.strictObject({
  scopes403: z.boolean().optional().meta({
    description: "The SUT answers 403 to a valid token that lacks the route's scope (a scope policy).",
  }),
  claimHeaders401: z.boolean().optional().meta({
    description: 'The SUT answers 401 when a claim-derived request header is missing or mismatched.',
  }),
  readinessReflectsKeys: z
    .boolean()
    .optional()
    .meta({ description: "The SUT's readiness endpoint reports not-ready while it has no usable keys." }),
  logPatterns: z
    .array(z.string().min(1))
    .optional()
    .meta({ description: 'Names of `sut.logPatterns` the SUT really prints (e.g. `old-jwks-recached`).' }),
});

export const sutProfileSchema = z
  .strictObject({
    ttlMs: timingSchema.optional().meta({
      description: 'How long a fetched key set is used before it must be fetched again (cache max-age).',
    }),
    refreshAheadMs: timingSchema.optional().meta({
      description:
        'How long before expiry the SUT refreshes in the background (0: it refetches only when a request finds the set expired).',
    }),
    unknownKidCooldownMs: timingSchema.optional().meta({
      description:
        'Least time between two fetches triggered by tokens with an unknown kid (0: one fetch per such token).',
    }),
    fetchTimeoutMs: timingSchema.optional().meta({
      description: 'How long the SUT waits for a JWKS fetch that never answers before giving up on it.',
    }),
    clockToleranceMs: timingSchema.optional().meta({
      description:
        "How far a token's time claims (exp, nbf, iat) may be off the SUT's clock and still verify.",
    }),
    capabilities: capabilitiesSchema.optional().meta({
      description:
        'Policies the SUT enforces beyond signature checks; scenarios testing one it lacks do not apply.',
    }),
  })
  .meta({
    description:
      "The verifier's key-cache timings and policies, pinned by hand or copied from `keystorm calibrate`.",
  });

/** A timing as the runtime sees it: milliseconds, or a lower bound. */
export type Timing = number | { atLeast: number };

/** What users write under `sut.profile` (durations as `'10s'` or ms). */
export type SutProfileInput = z.input<typeof sutProfileSchema>;

/**
 * The resolved SUT profile (durations in milliseconds).
 */
export interface SutProfile {
  /** How long a fetched key set is used before it must be fetched again (cache max-age). */
  ttlMs?: Timing;
  /** How long before expiry the SUT refreshes in the background; 0 = only when a request finds the set expired. */
  refreshAheadMs?: Timing;
  /** Least time between two fetches triggered by unknown-kid tokens; 0 = one fetch per such token. */
  unknownKidCooldownMs?: Timing;
  /** How long the SUT waits for a JWKS fetch that never answers before giving up on it. */
  fetchTimeoutMs?: Timing;
  /** How far a token's time claims may be off the SUT's clock and still verify. */
  clockToleranceMs?: Timing;
  /** Policies the SUT enforces beyond signature checks. */
  capabilities?: SutCapabilities;
}

/**
 * Behaviours `keystorm calibrate` also observes but a profile does not pin: they are what the
 * drills judge (does the SUT share a fetch, keep serving stale keys, answer 503 rather than
 * 401 without keys?), so a run sees them happen or not and never takes them on trust — a
 * declared behaviour that changed a verdict would let a SUT grade itself. Calibrate reports
 * them next to the profile, as findings.
 */
export interface SutBehaviour {
  /** Concurrent requests needing the same keys shared one fetch for as long as it took. */
  coalesces?: boolean;
  /** Expired keys kept verifying while the provider failed (stale-if-error). */
  staleFallback?: boolean;
  /** Status a valid token got while the SUT could not get keys (503 right, 401 blames the token). */
  keyFailureStatus?: number;
}

/** What calibration measures: the profile to pin, and the behaviours it only reports. */
export type MeasuredProfile = SutProfile & SutBehaviour;

/** Policies a SUT enforces; scenarios testing one it lacks are not applicable to it. */
export interface SutCapabilities {
  /** 403 for a valid token lacking the route's scope. */
  scopes403?: boolean;
  /** 401 for a missing or mismatched claim-derived header. */
  claimHeaders401?: boolean;
  /** Readiness reports not-ready while the SUT has no usable keys. */
  readinessReflectsKeys?: boolean;
  /** Names of `sut.logPatterns` the SUT really prints. */
  logPatterns?: string[];
}

/** Timing fields of a profile. */
const TIMING_FIELDS = [
  'ttlMs',
  'refreshAheadMs',
  'unknownKidCooldownMs',
  'fetchTimeoutMs',
  'clockToleranceMs',
] as const;

/** Resolves `{ scaled: ms }` timings with the run's time scale (config resolution calls this). */
export function applyTimeScale(profile: unknown, timeScale: number): SutProfile {
  const out = { ...(profile as Record<string, unknown>) };
  for (const field of TIMING_FIELDS) {
    const value = out[field];
    if (typeof value === 'object' && value !== null && 'scaled' in value && typeof value.scaled === 'number')
      out[field] = Math.round(value.scaled * timeScale);
  }
  return out;
}

/** Parses a profile as written (throws a ZodError listing every problem by path). */
export function parseProfile(input: unknown): SutProfile {
  return sutProfileSchema.parse(input) as SutProfile;
}
