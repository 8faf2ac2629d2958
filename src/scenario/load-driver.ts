/**
 * Where a scenario's load comes from. The built-in engine is the default; `keystorm run
 * --driver k6` and `--driver k6-output DIR` put k6 in its place (src/k6/driver/) while the
 * scenario plays mock-idp, faults and rotations on the same timeline. A driver hands back the
 * engine's LoadRun: requests reach `onRequest` (the request log), and `done` settles with the
 * load's result, so windows, SLOs and reports work the same whatever made the load.
 */
import { startLoad } from '../load/engine.ts';
import type { LoadOptions, LoadRun } from '../load/engine.ts';

/** What a driver knows about the scenario besides the engine's options. */
export interface LoadDriverContext {
  /** The scenario's name (k6 samples carry it as the `keystorm_scenario` tag). */
  scenario: string;
  /** Wall clock (epoch ms) of scenario time 0: when the timeline and the load started. */
  epochOriginMs: number;
  /** Scenario time now (ms since the load started). */
  elapsedMs: () => number;
  /** The running mock-idp a generated load script gets its tokens from (direct, never faulted). */
  idp: { dataUrl: string; adminUrl: string; adminToken: string };
}

export interface LoadDriver {
  /** `builtin`, `k6` or `k6-output`. */
  readonly name: string;
  /**
   * True when requests reach `onRequest` as they finish, so abort-on-fail SLOs can be judged
   * while the load runs; false when they arrive only at the end (k6's output is read after the
   * run), and then the live abort check stays off rather than judge a partial picture.
   */
  readonly live: boolean;
  start(context: LoadDriverContext, options: LoadOptions): LoadRun;
}

/** keystorm's own load engine (src/load/engine.ts). */
export const BUILT_IN_DRIVER: LoadDriver = {
  name: 'builtin',
  live: true,
  start: (_context, options) => startLoad(options),
};
