/**
 * Alert verdicts, judged like SLOs: what was expected (fire within a time, stay silent, or just
 * observed), what promtool saw, and pass / fail / inconclusive with the reason. Pure: the
 * observations come from {@link evaluateOffline} (or the live route), the rule facts from
 * {@link readAlertRules}.
 *
 * Honesty rules: silence of a rule that could not have fired in the time recorded is
 * inconclusive, never a pass; an alert already firing before the fault cannot be credited with
 * detecting it.
 */
import { formatDuration } from '../util/duration.ts';
import type { AlertObservation } from './evaluate.ts';
import type { AlertRuleInfo } from './rule-files.ts';

export type AlertVerdictStatus = 'pass' | 'fail' | 'inconclusive' | 'info';

export interface AlertVerdict {
  readonly alert: string;
  /** Rule file(s) defining the alert. */
  readonly files: readonly string[];
  /** fire: expected within `withinMs` of the fault; silent: expected never to fire; observed: no expectation. */
  readonly expected: 'fire' | 'silent' | 'observed';
  readonly withinMs: number | undefined;
  /** Fired during the recording (after the fault, when one was given). */
  readonly fired: boolean;
  /** Epoch ms of the first pending and firing evaluation counted for this verdict. */
  readonly pendingAtMs: number | undefined;
  readonly firingAtMs: number | undefined;
  /** Time to detect: first firing (at or after the fault) − fault start. */
  readonly timeToDetectMs: number | undefined;
  /** Data the rule needs before it can fire: its longest look-back plus `for:`. */
  readonly requiredMs: number;
  readonly firingLabels: readonly Readonly<Record<string, string>>[];
  readonly status: AlertVerdictStatus;
  readonly reason: string;
}

export interface VerdictInput {
  readonly rules: readonly AlertRuleInfo[];
  readonly observations: ReadonlyMap<string, AlertObservation>;
  /** Alert name → deadline after the fault in ms. */
  readonly expectFiring: Readonly<Record<string, number>>;
  readonly expectSilent: readonly string[];
  /** Also report every other alerting rule (status info, or inconclusive when it could not fire). */
  readonly reportOthers: boolean;
  /** Wall clock of the first and last recorded tick. */
  readonly recordedFromMs: number;
  readonly recordedToMs: number;
  /** Wall clock of the fault; undefined = none (the recording's start stands in for it). */
  readonly faultStartMs: number | undefined;
}

/** Expectations that name no alerting rule in the files, by path (exit 2). */
export function expectationProblems(
  rules: readonly AlertRuleInfo[],
  expectFiring: Readonly<Record<string, unknown>>,
  expectSilent: readonly string[],
): { path: string; message: string }[] {
  const names = new Set(rules.map((r) => r.alert));
  const known = [...names].sort().join(', ') || '(none)';
  const problems: { path: string; message: string }[] = [];
  for (const name of Object.keys(expectFiring)) {
    if (!names.has(name))
      problems.push({
        path: `expectAlerts.${name}`,
        message: `no alerting rule named ${name} in the rule files (known: ${known})`,
      });
  }
  expectSilent.forEach((name, i) => {
    if (!names.has(name))
      problems.push({
        path: `silentAlerts[${i}]`,
        message: `no alerting rule named ${name} in the rule files (known: ${known})`,
      });
    if (Object.hasOwn(expectFiring, name))
      problems.push({ path: `silentAlerts[${i}]`, message: `${name} is also in expectAlerts` });
  });
  return problems;
}

/** One verdict per expected alert, then (with reportOthers) one per other alerting rule. */
export function alertVerdicts(input: VerdictInput): AlertVerdict[] {
  const names = [...new Set(input.rules.map((r) => r.alert))];
  const verdicts: AlertVerdict[] = [];
  for (const [alert, withinMs] of Object.entries(input.expectFiring))
    verdicts.push(judgeFiring(input, alert, withinMs));
  for (const alert of input.expectSilent) verdicts.push(judgeSilent(input, alert));
  if (input.reportOthers) {
    const judged = new Set(verdicts.map((v) => v.alert));
    for (const alert of names.filter((n) => !judged.has(n))) verdicts.push(judgeObserved(input, alert));
  }
  return verdicts;
}

interface Facts {
  files: string[];
  requiredMs: number;
  requirement: string;
  obs: AlertObservation | undefined;
}

function factsOf(input: VerdictInput, alert: string): Facts {
  const rules = input.rules.filter((r) => r.alert === alert);
  // Several rules with one name: the alert can fire as soon as the quickest of them can.
  const quickest = rules.reduce<AlertRuleInfo | undefined>(
    (a, r) => (a === undefined || r.requiredMs < a.requiredMs ? r : a),
    undefined,
  );
  return {
    files: [...new Set(rules.map((r) => r.file))],
    requiredMs: quickest?.requiredMs ?? 0,
    requirement:
      quickest === undefined
        ? 'no such rule'
        : `${formatDuration(quickest.requiredMs)} (look-back ${formatDuration(quickest.lookbackMs)} + for ${formatDuration(quickest.forMs)})`,
    obs: input.observations.get(alert),
  };
}

function base(alert: string, facts: Facts, expected: AlertVerdict['expected'], withinMs: number | undefined) {
  return {
    alert,
    files: facts.files,
    expected,
    withinMs,
    requiredMs: facts.requiredMs,
    firingLabels: facts.obs?.firingLabels ?? [],
  };
}

function judgeFiring(input: VerdictInput, alert: string, withinMs: number): AlertVerdict {
  const facts = factsOf(input, alert);
  const { obs } = facts;
  const faultMs = input.faultStartMs ?? input.recordedFromMs;
  const noFault = input.faultStartMs === undefined;
  const firingAtMs = noFault ? obs?.firstFiringAtMs : obs?.firstFiringAfterFaultAtMs;
  const pendingAtMs = noFault ? obs?.firstPendingAtMs : obs?.firstPendingAfterFaultAtMs;
  const common = { ...base(alert, facts, 'fire' as const, withinMs), pendingAtMs, firingAtMs };
  const availableMs = input.recordedToMs - faultMs;
  if (input.rules.every((r) => r.alert !== alert)) {
    return {
      ...common,
      fired: false,
      timeToDetectMs: undefined,
      status: 'fail',
      reason: `no alerting rule named ${alert}`,
    };
  }
  if (obs?.firstFiringAtMs !== undefined && obs.firstFiringAtMs < faultMs) {
    return {
      ...common,
      fired: firingAtMs !== undefined,
      timeToDetectMs: undefined,
      status: 'inconclusive',
      reason: `already firing ${formatDuration(faultMs - obs.firstFiringAtMs)} before the fault: its firing cannot be credited to the fault`,
    };
  }
  if (firingAtMs !== undefined) {
    const ttd = firingAtMs - faultMs;
    const ok = ttd <= withinMs;
    return {
      ...common,
      fired: true,
      timeToDetectMs: ttd,
      status: ok ? 'pass' : 'fail',
      reason: ok
        ? `fired ${formatDuration(ttd)} after the fault (within ${formatDuration(withinMs)})`
        : `fired ${formatDuration(ttd)} after the fault, later than the ${formatDuration(withinMs)} expected`,
    };
  }
  const pending =
    pendingAtMs === undefined
      ? ''
      : `; pending from ${formatDuration(pendingAtMs - faultMs)} after the fault but never firing`;
  if (availableMs < facts.requiredMs) {
    return {
      ...common,
      fired: false,
      timeToDetectMs: undefined,
      status: 'inconclusive',
      reason: `could not have fired: the rule needs ${facts.requirement} of data after the fault, the run recorded ${formatDuration(Math.max(0, availableMs))}${pending}`,
    };
  }
  if (availableMs < withinMs) {
    return {
      ...common,
      fired: false,
      timeToDetectMs: undefined,
      status: 'inconclusive',
      reason: `not fired when the recording ended ${formatDuration(availableMs)} after the fault, before the ${formatDuration(withinMs)} allowed${pending}`,
    };
  }
  return {
    ...common,
    fired: false,
    timeToDetectMs: undefined,
    status: 'fail',
    reason: `did not fire within ${formatDuration(withinMs)} of the fault${pending}`,
  };
}

function judgeSilent(input: VerdictInput, alert: string): AlertVerdict {
  const facts = factsOf(input, alert);
  const { obs } = facts;
  const common = {
    ...base(alert, facts, 'silent' as const, undefined),
    pendingAtMs: obs?.firstPendingAtMs,
    firingAtMs: obs?.firstFiringAtMs,
  };
  const spanMs = input.recordedToMs - input.recordedFromMs;
  const ttd =
    input.faultStartMs !== undefined && obs?.firstFiringAtMs !== undefined
      ? obs.firstFiringAtMs - input.faultStartMs
      : undefined;
  if (obs?.firstFiringAtMs !== undefined) {
    return {
      ...common,
      fired: true,
      timeToDetectMs: ttd,
      status: 'fail',
      reason: `fired ${formatDuration(obs.firstFiringAtMs - input.recordedFromMs)} into the recording${labelsText(obs)}, expected silent`,
    };
  }
  if (spanMs < facts.requiredMs) {
    return {
      ...common,
      fired: false,
      timeToDetectMs: undefined,
      status: 'inconclusive',
      reason: `silent, but that proves nothing: the rule needs ${facts.requirement} of data, the run recorded ${formatDuration(spanMs)}`,
    };
  }
  return {
    ...common,
    fired: false,
    timeToDetectMs: undefined,
    status: 'pass',
    reason: `silent for the ${formatDuration(spanMs)} recorded`,
  };
}

function judgeObserved(input: VerdictInput, alert: string): AlertVerdict {
  const facts = factsOf(input, alert);
  const { obs } = facts;
  const faultMs = input.faultStartMs ?? input.recordedFromMs;
  const firingAtMs = obs?.firstFiringAtMs;
  const common = {
    ...base(alert, facts, 'observed' as const, undefined),
    pendingAtMs: obs?.firstPendingAtMs,
    firingAtMs,
  };
  if (firingAtMs !== undefined) {
    const ttd = firingAtMs - faultMs;
    return {
      ...common,
      fired: true,
      timeToDetectMs: ttd,
      status: 'info',
      reason: `fired ${ttd >= 0 ? `${formatDuration(ttd)} after` : `${formatDuration(-ttd)} before`} the fault${labelsText(obs)}`,
    };
  }
  const availableMs = input.recordedToMs - faultMs;
  if (availableMs < facts.requiredMs) {
    return {
      ...common,
      fired: false,
      timeToDetectMs: undefined,
      status: 'inconclusive',
      reason: `did not fire, and could not have: the rule needs ${facts.requirement} of data after the fault, the run recorded ${formatDuration(Math.max(0, availableMs))}`,
    };
  }
  return {
    ...common,
    fired: false,
    timeToDetectMs: undefined,
    status: 'info',
    reason: `did not fire in the ${formatDuration(availableMs)} after the fault`,
  };
}

function labelsText(obs: AlertObservation | undefined): string {
  const sets = (obs?.firingLabels ?? []).map((l) =>
    Object.entries(l)
      .filter(([k]) => k !== 'severity' && k !== 'scale')
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
  );
  const shown = sets.filter((s) => s !== '');
  return shown.length === 0 ? '' : ` (${shown.join('; ')})`;
}
