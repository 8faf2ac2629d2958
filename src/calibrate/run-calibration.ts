/**
 * One `keystorm calibrate`: starts mock-idp and the proxy, runs the chosen probes one after
 * another (each on a freshly started, single-replica SUT), and always rolls everything back.
 */
import type { FullConfig } from '../config/types.ts';
import type { FaultLedger } from '../faults/ledger.ts';
import type { MeasuredProfile, SutBehaviour, SutProfile } from '../profile/schema.ts';
import { formatDuration } from '../util/duration.ts';
import { startCalibrationEnvironment, spawnedSut } from './environment.ts';
import { mergeProfiles } from './merge.ts';
import { coalescingProbe } from './probes/coalescing.ts';
import { hangProbe } from './probes/hang.ts';
import { outageProbe } from './probes/outage.ts';
import { policiesProbe } from './probes/policies.ts';
import type { Probe, ProbeName } from './probes/types.ts';
import { unknownKidProbe } from './probes/unknown-kid.ts';
import { CalibrationSession } from './session.ts';

const PROBES: Record<ProbeName, Probe> = {
  policies: policiesProbe,
  coalescing: coalescingProbe,
  'unknown-kid': unknownKidProbe,
  outage: outageProbe,
  hang: hangProbe,
};

export interface CalibrationOptions {
  config: FullConfig;
  /** Probes to run, in this order. */
  probes: readonly ProbeName[];
  /** Longest any probe waits for something to happen (ms). */
  budgetMs: number;
  /** Issuer whose keys are probed (default: the first). */
  issuer: string;
  progress: (line: string) => void;
  /** Aborted on SIGINT/SIGTERM: the run stops between probes and rolls back. */
  signal?: AbortSignal;
  ledger: FaultLedger;
}

export interface Calibration {
  /** The profile to pin under `sut.profile`. */
  profile: SutProfile;
  /** Behaviours seen on the way, reported only: the drills judge them (see SutBehaviour). */
  behaviour: SutBehaviour;
  evidence: string[];
  /** Probes that ran to the end. */
  probes: ProbeName[];
  budgetMs: number;
  issuer: string;
  durationMs: number;
}

export async function runCalibration(options: CalibrationOptions): Promise<Calibration> {
  const { config, ledger, progress } = options;
  const sut = spawnedSut(config);
  const started = Date.now();
  const env = await startCalibrationEnvironment(config, ledger);
  const session = new CalibrationSession({
    env,
    issuer: options.issuer,
    request: sut.request,
    readyUrlConfigured: sut.readyUrl !== undefined,
    logPatternNames: Object.keys(sut.logPatterns),
    progress,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const parts: MeasuredProfile[] = [];
  const evidence: string[] = [];
  const done: ProbeName[] = [];
  try {
    for (const [index, name] of options.probes.entries()) {
      if (options.signal?.aborted === true) break;
      const probe = PROBES[name];
      progress(`calibrate: [${index + 1}/${options.probes.length}] ${name}: ${probe.summary}`);
      const t0 = Date.now();
      const result = await probe.run({ session, budgetMs: options.budgetMs });
      await session.clearFaults();
      parts.push(result.profile);
      evidence.push(...result.evidence);
      done.push(name);
      for (const line of result.evidence) progress(`  ${line}`);
      progress(`calibrate: ${name} done in ${formatDuration(Date.now() - t0)}`);
    }
  } finally {
    await session.close();
    await env.close().catch(() => undefined);
  }
  const patterns = Object.keys(sut.logPatterns).length === 0 ? undefined : [...session.patternsSeen];
  const { coalesces, staleFallback, keyFailureStatus, ...profile } = mergeProfiles(parts, patterns);
  const behaviour = Object.fromEntries(
    Object.entries({ coalesces, staleFallback, keyFailureStatus }).filter(([, v]) => v !== undefined),
  ) as SutBehaviour;
  return {
    profile,
    behaviour,
    evidence,
    probes: done,
    budgetMs: options.budgetMs,
    issuer: options.issuer,
    durationMs: Date.now() - started,
  };
}
