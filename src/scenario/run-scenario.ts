/**
 * Plays one scenario, in four steps with one job each:
 *   plan  (plan.ts)   what to play and judge, decided up front;
 *   stage (stage.ts)  a clean provider, faults due before start, the SUT, the clients;
 *   play  (play.ts)   load and timeline side by side, observed;
 *   judge (judge.ts)  premises first, then SLOs.
 * Everything it changes is reverted before it returns, also on error. It never throws for SUT
 * misbehaviour (that is what the result reports) nor for harness failures (status `error`, with
 * the cause in one line).
 */
import type { RequestTemplateInput } from '../load/request-template.ts';
import type { ProgressSnapshot } from '../reporters/types.ts';
import type { ScenarioResult, TimelineEntry } from '../result/types.ts';
import type { SutCapability } from '../slo/definition.ts';
import type { ScenarioInput } from './define.ts';
import type { RunEnvironment } from './environment.ts';
import { IdpSampler, idpWindow } from './idp-sampler.ts';
import { judgeScenario } from './judge.ts';
import { withScenarioJourneys } from './metric-source.ts';
import type { AlertVerdict } from '../alerts/index.ts';
import type { AlertSettings } from './alert-check.ts';
import { withUnmetPremises } from './alert-check.ts';
import { planScenario } from './plan.ts';
import type { ScenarioPlan } from './plan.ts';
import { playScenario, ScenarioClock } from './play.ts';
import type { Observations } from './play.ts';
import { scenarioSpans } from './spans.ts';
import { RequestLog } from './request-log.ts';
import type { LoadDriver } from './load-driver.ts';
import { setUpStage, tearDownStage } from './stage.ts';
import type { Stage } from './stage.ts';
import { counterIncreases, scrapeSut } from './sut-metrics.ts';
import { reportDetail, toReportLoad, toSeries } from './summaries.ts';

export interface ScenarioRunSettings {
  env: RunEnvironment;
  /** Drill time × timeScale = run time. */
  timeScale: number;
  seed: number;
  replicas: number;
  /** Connections towards the SUT for the whole scenario (shared by its replicas). */
  connections: number;
  routes: Readonly<Record<string, RequestTemplateInput>>;
  /** Scrape the SUT's Prometheus endpoint before and after the load. */
  scrapeSutMetrics: boolean;
  /** SUT log patterns by name (the names `log_matches{pattern:…}` uses). */
  logPatternNames: readonly string[];
  /** The run's report directory (browser journeys leave screenshots and traces there). */
  reportDir: string;
  /** A team's own alert rule files (`--alerts`), judged with the shipped ones. */
  alerts?: AlertSettings;
  /** Path of the SUT's Prometheus endpoint, for alert verification. */
  metricsPath?: string;
  /** Policies the SUT enforces (its profile): SLOs and request kinds that test others are not applicable. */
  capabilities: ReadonlySet<SutCapability>;
  /** The key-cache timings the scenario's durations were resolved with, for the report. */
  timings?: ScenarioResult['timings'];
  clientsPerIssuer: number;
  tokenLifetimeS: number;
  requestTimeoutMs: number;
  allowHosts: readonly string[];
  signal: AbortSignal;
  index: number;
  total: number;
  onProgress: (progress: ProgressSnapshot) => void;
  onEvent: (entry: TimelineEntry) => void;
  /** Where the load comes from (default: the built-in engine; `--driver`). */
  driver?: LoadDriver;
}

/** Runs a validated scenario (timing expressions already resolved). */
export async function runScenario(scenario: ScenarioInput, s: ScenarioRunSettings): Promise<ScenarioResult> {
  const startedAt = new Date();
  const clock0 = performance.now();
  const timeline: TimelineEntry[] = [];
  const record = (entry: TimelineEntry): void => {
    timeline.push(entry);
    s.onEvent(entry);
  };
  const plan = planScenario(scenario, {
    timeScale: s.timeScale,
    capabilities: s.capabilities,
    logPatternNames: s.logPatternNames,
  });
  const stage: Stage = { preApplied: [] };
  const clock = new ScenarioClock();
  const idp = new IdpSampler(s.env.idp, () => clock.elapsedMs());
  let observed: Observations | undefined;
  let stageError: string | undefined;
  let counters: Record<string, number> = {};
  let alerts: AlertVerdict[] | undefined;
  try {
    const { sut, mix, targets } = await setUpStage(s.env, plan, s, stage, record, () => idp.baseline());
    const before = await scrapeSut(sut, s.scrapeSutMetrics);
    observed = await playScenario(
      { env: s.env, clock, idp, plan, sut, mix, targets, preApplied: stage.preApplied, record },
      { ...s, connections: scenario.load.connections ?? s.connections },
    );
    counters = counterIncreases(before, await scrapeSut(sut, s.scrapeSutMetrics));
    alerts = await judgeAlertsOf(observed, plan, s);
  } catch (error) {
    stageError = oneLine(error);
  } finally {
    await tearDownStage(stage, observed?.timelineStarted === true);
  }
  const logMatches = Object.fromEntries(
    s.logPatternNames.map((name) => [name, stage.sut?.logCount(name) ?? 0]),
  );
  const result = buildResult(plan, observed, timeline, stage, s);
  await s.env.stopSut();
  const error = stageError ?? observed?.error;
  const verdicts = alerts === undefined ? undefined : withUnmetPremises(alerts, result.preconditions);
  const status = withAlerts(result.status, verdicts);
  return {
    ...result,
    status,
    ...(verdicts === undefined ? {} : { alerts: verdicts }),
    ...(s.signal.aborted ? { status: 'interrupted' } : error !== undefined ? { status: 'error', error } : {}),
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - clock0),
    logMatches,
    sutCounters: counters,
  };
}

/** Judges the recorded alerts, when the scenario or the run verifies them. */
async function judgeAlertsOf(
  observed: Observations,
  plan: ScenarioPlan,
  s: ScenarioRunSettings,
): Promise<AlertVerdict[] | undefined> {
  if (observed.alertCheck === undefined) return undefined;
  // A fault in force before the SUT started counts from the load's start.
  const firstFault =
    (plan.scenario.beforeStart ?? []).length > 0 ? 0 : Math.min(...observed.faultSpans.map((f) => f.fromMs));
  return observed.alertCheck.judge({
    scenario: plan.scenario,
    settings: s.alerts,
    reportDir: s.reportDir,
    faultStartMs: Number.isFinite(firstFault) ? observed.epochOrigin + firstFault : undefined,
  });
}

/** Alert verdicts count like SLOs: a missed detection fails, a rule that could not have fired is inconclusive. */
function withAlerts(
  status: ScenarioResult['status'],
  alerts: readonly AlertVerdict[] | undefined,
): ScenarioResult['status'] {
  if (alerts === undefined || status !== 'passed') return status;
  if (alerts.some((a) => a.status === 'fail')) return 'failed';
  if (alerts.some((a) => a.status === 'inconclusive')) return 'inconclusive';
  return status;
}

/** The scenario's result from its plan and observations (status before errors and interruptions). */
function buildResult(
  plan: ScenarioPlan,
  observed: Observations | undefined,
  timeline: readonly TimelineEntry[],
  stage: Stage,
  s: ScenarioRunSettings,
): Omit<ScenarioResult, 'startedAt' | 'durationMs' | 'logMatches' | 'sutCounters'> {
  const durationMs = observed?.durationMs ?? 0;
  const windows = scenarioSpans(
    durationMs,
    observed?.load?.summary.phases ?? [],
    observed?.faultSpans ?? [],
    plan.firstEventMs,
  );
  const series = toSeries(observed?.load, observed?.idpSeconds ?? []);
  const baselineSpan = windows.find((w) => w.kind === 'baseline');
  const sut = stage.sut;
  const source = withScenarioJourneys(() => observed?.journeys ?? [], {
    requests: observed?.requests ?? new RequestLog(),
    droppedStarts: (from, to) => observed?.load?.window(from, to).counts().dropped ?? 0,
    idpSeconds: observed?.idpSeconds ?? [],
    proxySamples: observed?.proxySamples ?? [],
    logMatches: (pattern, from, to) =>
      sut?.logCount(pattern, (observed?.epochOrigin ?? 0) + from, (observed?.epochOrigin ?? 0) + to) ?? 0,
    readinessMismatches: observed?.readinessMismatches ?? [],
    lateness: timeline.flatMap((e) => (e.lateMs === undefined ? [] : [{ atMs: e.atMs, lateMs: e.lateMs }])),
    recoverySeries: series.map((p) => ({
      t: p.t,
      requests: p.requests,
      p95: p.p95,
      unexpected: p.unexpected,
    })),
    timeScale: plan.timeScale,
    baseline:
      baselineSpan === undefined ? undefined : { fromMs: baselineSpan.fromMs, toMs: baselineSpan.toMs },
  });
  const verdict = judgeScenario({
    plan,
    source,
    windows,
    timeline,
    idp: {
      seconds: observed?.idpSeconds.length ?? 0,
      failures: observed?.idpFailures ?? 0,
      error: observed?.idpError,
    },
  });
  const seconds = observed?.idpSeconds ?? [];
  const whole = idpWindow(seconds, 0, Number.POSITIVE_INFINITY);
  return {
    name: plan.scenario.name,
    hypothesis: plan.scenario.hypothesis,
    covers: plan.scenario.covers ?? [],
    status: verdict.status,
    preconditions: verdict.preconditions,
    slos: verdict.slos,
    ...(s.timings === undefined ? {} : { timings: s.timings }),
    ...(plan.omittedKinds.length === 0 ? {} : { omittedKinds: plan.omittedKinds }),
    ...((observed?.journeys.length ?? 0) === 0 ? {} : { journeys: observed?.journeys ?? [] }),
    load: toReportLoad(observed?.load),
    idp: {
      jwksFetches: whole.fetches,
      peakConcurrentJwksFetches: whole.peak,
      fetchesPerInstance: whole.perInstance,
      unknownKidFetches: whole.unknownKid,
      tokensIssued: seconds.reduce((n, sec) => n + sec.tokensIssued, 0),
      faultsInjected: seconds.reduce((n, sec) => n + sec.faultsInjected, 0),
    },
    windows,
    timeline: [...timeline],
    series,
    ...reportDetail(observed, windows),
    definition: plan.scenario,
  };
}

/** An error's message on one line (a gate's log shows it whole, not a 300-column table cell). */
function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.trim() ?? message;
}
