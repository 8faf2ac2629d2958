/**
 * What `keystorm calibrate` prints: the measured profile as a block to paste under `sut:` in the
 * config, the evidence behind each value, and — when the config pins a profile — where the
 * pinned values disagree with the measured ones.
 */
import { formatBehaviour, formatProfile, formatTiming } from '../profile/format.ts';
import type { SutProfile, Timing } from '../profile/schema.ts';
import { formatDuration } from '../util/duration.ts';
import type { Calibration } from './run-calibration.ts';

/** Relative disagreement below which a pinned timing counts as confirmed. */
const TIMING_TOLERANCE = 0.25;
/** Absolute slack for short timings (the probes' request intervals). */
const TIMING_SLACK_MS = 300;

export function formatCalibration(c: Calibration, pinned: SutProfile | undefined): string {
  const lines = [
    `keystorm calibrate: issuer ${c.issuer}, probes ${c.probes.join(', ')}, budget ${formatDuration(c.budgetMs)} per probe, ${formatDuration(c.durationMs)} in all`,
    '',
    'Evidence:',
    ...c.evidence.map((e) => `  - ${e}`),
    '',
    'Measured profile (paste under `sut:` in the config; `{ atLeast }` = longer than the budget allowed to see):',
    '',
    formatProfile(c.profile),
  ];
  const behaviour = formatBehaviour(c.behaviour);
  if (behaviour.length > 0)
    lines.push(
      '',
      'Observed behaviour (judged by the drills, not pinned in the profile):',
      ...behaviour.map((b) => `  - ${b}`),
    );
  if (pinned !== undefined) {
    const diffs = compareProfiles(pinned, c.profile);
    lines.push(
      '',
      diffs.length === 0
        ? 'The pinned sut.profile agrees with what was measured.'
        : `The pinned sut.profile disagrees with what was measured:\n${diffs.map((d) => `  - ${d}`).join('\n')}`,
    );
  }
  return lines.join('\n');
}

function timingsAgree(pinned: Timing, measured: Timing): boolean {
  if (typeof measured !== 'number') {
    // Only a lower bound was measured: any pinned value above it (or a larger bound) agrees.
    const pinnedFloor = typeof pinned === 'number' ? pinned : pinned.atLeast;
    return pinnedFloor >= measured.atLeast * (1 - TIMING_TOLERANCE);
  }
  if (typeof pinned !== 'number') return measured >= pinned.atLeast * (1 - TIMING_TOLERANCE);
  return Math.abs(pinned - measured) <= Math.max(TIMING_SLACK_MS, TIMING_TOLERANCE * pinned);
}

/** One line per field pinned and measured whose values disagree. */
export function compareProfiles(pinned: SutProfile, measured: SutProfile): string[] {
  const out: string[] = [];
  for (const key of ['ttlMs', 'refreshAheadMs', 'unknownKidCooldownMs', 'fetchTimeoutMs'] as const) {
    const p = pinned[key];
    const m = measured[key];
    if (p !== undefined && m !== undefined && !timingsAgree(p, m))
      out.push(`${key}: pinned ${formatTiming(p)}, measured ${formatTiming(m)}`);
  }
  const pc = pinned.capabilities ?? {};
  const mc = measured.capabilities ?? {};
  for (const key of ['scopes403', 'claimHeaders401', 'readinessReflectsKeys'] as const) {
    const p = pc[key];
    const m = mc[key];
    if (p !== undefined && m !== undefined && p !== m)
      out.push(`capabilities.${key}: pinned ${p}, measured ${m}`);
  }
  return out;
}
