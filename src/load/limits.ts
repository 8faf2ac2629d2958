/**
 * Hard caps of the load engine: no phase may exceed these, whatever it asks for. In a module of
 * their own so that code which must not load zod (the `keystorm load` path) can read them.
 */
export const LIMITS = {
  phaseMs: 24 * 3_600_000,
  phaseRequests: 100_000_000,
  rate: 1_000_000,
  vus: 10_000,
  burst: 100_000,
  phases: 1_000,
} as const;
