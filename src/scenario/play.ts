/**
 * Plays a staged scenario: samplers on the provider and the proxy, the load and the timeline
 * side by side, progress once a second and abort-on-fail SLOs judged live (with phase spans as
 * they open). Returns what was observed; judging is someone else's job (judge.ts).
 */
import { setMaxListeners } from 'node:events';
import type { LoadResult } from '../load/result.ts';
import type { ProgressSnapshot } from '../reporters/types.ts';
import type { TimelineEntry, WindowSpan } from '../result/types.ts';
import { createAbortMonitor } from '../slo/abort.ts';
import type { Sut } from '../sut/types.ts';
import type { RunEnvironment } from './environment.ts';
import type { IdpSampler, IdpSecond } from './idp-sampler.ts';
import { BUILT_IN_DRIVER } from './load-driver.ts';
import type { LoadDriver } from './load-driver.ts';
import { startJourneys } from '../journeys/driver.ts';
import type { JourneyDriver } from '../journeys/driver.ts';
import type { JourneySample } from '../journeys/types.ts';
import { withScenarioJourneys } from './metric-source.ts';
import type { ScrapeTarget } from '../alerts/index.ts';
import { AlertCheck, wantsAlerts } from './alert-check.ts';
import type { AlertSettings } from './alert-check.ts';
import type { ScenarioPlan } from './plan.ts';
import { ProxySampler } from './proxy-sampler.ts';
import type { ProxySample } from './proxy-sampler.ts';
import type { RequestMix } from './request-mix.ts';
import { RequestLog } from './request-log.ts';
import { LivePhases, scenarioSpans } from './spans.ts';
import { playTimeline } from './timeline.ts';
import type { PlayingTimeline } from './timeline.ts';

export interface PlaySettings {
  connections: number;
  /** The run's report directory: failed browser journeys leave screenshots and traces there. */
  reportDir: string;
  /** A team's own alert rule files (`--alerts`), judged with the shipped ones. */
  alerts?: AlertSettings;
  /** Path of the SUT's Prometheus endpoint (`sut.metricsUrl`), for alert verification. */
  metricsPath?: string;
  requestTimeoutMs: number;
  allowHosts: readonly string[];
  signal: AbortSignal;
  index: number;
  total: number;
  onProgress: (progress: ProgressSnapshot) => void;
  /** Where the load comes from (default: the built-in engine). */
  driver?: LoadDriver;
}

/** Everything a scenario's verdict is made from. Times are run ms since the load started. */
export interface Observations {
  load: LoadResult | undefined;
  requests: RequestLog;
  idpSeconds: IdpSecond[];
  /** Failed IdP readings (each loses a second of provider figures). */
  idpFailures: number;
  idpError: string | undefined;
  proxySamples: ProxySample[];
  proxyError: string | undefined;
  readinessMismatches: number[];
  faultSpans: WindowSpan[];
  /** Wall clock (epoch ms) of the load's start: SUT log lines are stamped in epoch time. */
  epochOrigin: number;
  durationMs: number;
  /** The SLO that stopped the run early, if one did. */
  abortedBy: string | undefined;
  /** A harness failure while playing (the samplers or the load could not start), in one line. */
  error: string | undefined;
  /** Whether the timeline took over the faults applied before start (it reverts them then). */
  timelineStarted: boolean;
  /** Browser journey runs, when the scenario has journeys. */
  journeys: JourneySample[];
  /** The alert recording, when the scenario or the run verifies alerts (judged by the caller). */
  alertCheck: AlertCheck | undefined;
}

/** Scenario time: ms since the load started (the origin is set when it does). */
export class ScenarioClock {
  #origin = performance.now();
  /** Starts scenario time now. */
  start(): void {
    this.#origin = performance.now();
  }
  elapsedMs(): number {
    return performance.now() - this.#origin;
  }
}

export interface PlayContext {
  env: RunEnvironment;
  clock: ScenarioClock;
  /** Created before the SUT started (its baseline taken then), started here. */
  idp: IdpSampler;
  plan: ScenarioPlan;
  sut: Sut;
  mix: RequestMix;
  targets: readonly string[];
  preApplied: Parameters<typeof playTimeline>[0]['preApplied'];
  record: (entry: TimelineEntry) => void;
}

export async function playScenario(ctx: PlayContext, s: PlaySettings): Promise<Observations> {
  const { env, plan, idp } = ctx;
  const elapsedMs = (): number => ctx.clock.elapsedMs();
  const abortLoad = new AbortController();
  // Every request in flight listens on this signal: hundreds at once are expected, not a leak.
  setMaxListeners(0, abortLoad.signal);
  const onOuterAbort = (): void => abortLoad.abort();
  s.signal.addEventListener('abort', onOuterAbort, { once: true });

  const requests = new RequestLog();
  const readinessMismatches: number[] = [];
  const proxy = new ProxySampler(
    `${env.proxy.url.replace(/\/$/, '')}/metrics`,
    new Map([...env.proxies].map(([issuer, p]) => [p.name, issuer])),
    elapsedMs,
  );
  let played: PlayingTimeline | undefined;
  let progress: NodeJS.Timeout | undefined;
  let abortedBy: string | undefined;
  let load: LoadResult | undefined;
  let error: string | undefined;
  let journeys: JourneyDriver | undefined;
  let alertCheck: AlertCheck | undefined;
  ctx.clock.start();
  const epochOrigin = Date.now();
  try {
    await Promise.all([idp.start(), proxy.start()]);
    if (wantsAlerts(plan.scenario, s.alerts))
      alertCheck = new AlertCheck(scrapeTargets(ctx, s), abortLoad.signal);
    const check = alertCheck;
    const planned = plan.scenario.journeys ?? [];
    if (planned.length > 0)
      journeys = startJourneys({
        journeys: planned,
        baseUrl: ctx.targets[0] ?? '',
        reportDir: s.reportDir,
        timeScale: plan.timeScale,
        elapsedMs,
        signal: abortLoad.signal,
        onSample: (j) =>
          ctx.record({
            atMs: j.atMs,
            what: `journey ${j.journey} ${j.outcome}`,
            ok: j.outcome === 'passed',
            ...(j.failure === undefined ? {} : { detail: j.failure }),
          }),
      });
    const journeySamples = (): readonly JourneySample[] => journeys?.samples ?? [];
    const driver = s.driver ?? BUILT_IN_DRIVER;
    const { dataUrl, adminUrl, adminToken } = ctx.env.idp;
    const loadContext = {
      scenario: plan.scenario.name,
      epochOriginMs: epochOrigin,
      elapsedMs,
      idp: { dataUrl, adminUrl, adminToken },
    };
    const run = driver.start(loadContext, {
      target: ctx.targets[0] ?? 'http://127.0.0.1/',
      phases: plan.phases,
      source: ctx.mix.source,
      connections: s.connections,
      timeout: s.requestTimeoutMs,
      allowHosts: s.allowHosts,
      signal: abortLoad.signal,
      onRequest:
        check === undefined
          ? (sample) => requests.add(sample)
          : (sample) => {
              requests.add(sample);
              check.observe(sample);
            },
    });
    const timeline = playTimeline({
      items: plan.scenario.timeline ?? [],
      preApplied: ctx.preApplied,
      scale: plan.scale,
      ledger: env.ledger,
      faultContext: env.faultContext,
      actionContext: {
        idp: env.idp,
        mix: ctx.mix,
        sut: () => ctx.sut,
        defaultIssuer: env.issuers[0]?.name ?? 'gitlab',
        scale: plan.scale,
        readinessMismatch: (atMs) => readinessMismatches.push(atMs),
        elapsedMs,
        signal: abortLoad.signal,
      },
      elapsedMs,
      onEntry: ctx.record,
      signal: abortLoad.signal,
    });
    played = timeline;
    const phases = new LivePhases();
    // The first phase opens with the load; later ones are seen on the ticks (within 250 ms).
    phases.observe(plan.phases[0]?.name ?? '', 0);
    const monitor = createAbortMonitor(
      plan.slos,
      withScenarioJourneys(journeySamples, {
        requests,
        droppedStarts: (from, to) => run.window(from, to).counts().dropped,
        idpSeconds: idp.seconds,
        proxySamples: proxy.samples,
        logMatches: (pattern, from, to) => ctx.sut.logCount(pattern, epochOrigin + from, epochOrigin + to),
        readinessMismatches,
        lateness: [],
        recoverySeries: [],
        timeScale: plan.timeScale,
        baseline: undefined,
      }),
      () => {
        const now = run.elapsedMs();
        return scenarioSpans(now, phases.spans(now), timeline.windows(now), plan.firstEventMs);
      },
    );
    let ticks = 0;
    // Four ticks a second keep live phase spans and abort checks sharp; progress lines once a second.
    progress = setInterval(() => {
      const snap = run.snapshot();
      phases.observe(snap.phase, snap.elapsedMs);
      if (ticks++ % 4 === 0)
        s.onProgress({
          scenario: plan.scenario.name,
          index: s.index,
          total: s.total,
          phase: snap.phase,
          elapsedMs: snap.elapsedMs,
          requests: snap.requests,
          errorRate: snap.errorRate,
          p95: snap.requests > 0 ? snap.rollingP95 : null,
          activeFaults: timeline.activeFaults(),
        });
      if (monitor.idle || !driver.live || abortLoad.signal.aborted) return;
      const trip = monitor.checkAbort(run.elapsedMs());
      if (trip !== undefined) {
        abortedBy = trip.slo.name;
        ctx.record({ atMs: Math.round(trip.atMs), what: `aborted: ${trip.slo.name} failed`, ok: false });
        abortLoad.abort();
      }
    }, 250);
    progress.unref();
    load = await run.done;
    await journeys?.stop();
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  } finally {
    if (progress !== undefined) clearInterval(progress);
    s.signal.removeEventListener('abort', onOuterAbort);
    abortLoad.abort();
    await journeys?.stop().catch(() => undefined);
    await played?.finish();
    await Promise.all([idp.stop().catch(() => undefined), proxy.stop().catch(() => undefined)]);
  }
  const durationMs = load?.summary.durationMs ?? elapsedMs();
  return {
    load,
    requests,
    idpSeconds: idp.seconds,
    idpFailures: idp.failures,
    idpError: idp.lastError,
    proxySamples: proxy.samples,
    proxyError: proxy.lastError,
    readinessMismatches,
    faultSpans: played?.windows(durationMs) ?? [],
    epochOrigin,
    durationMs,
    abortedBy,
    error,
    timelineStarted: played !== undefined,
    journeys: [...(journeys?.samples ?? [])],
    alertCheck,
  };
}

/** What alert verification scrapes: every SUT replica's /metrics and mock-idp's. */
function scrapeTargets(ctx: PlayContext, s: PlaySettings): ScrapeTarget[] {
  const targets: ScrapeTarget[] = [{ job: 'mock-idp', url: ctx.env.idp.metricsUrl }];
  if (s.metricsPath === undefined) return targets;
  for (const replica of ctx.sut.replicas)
    if (replica.url !== undefined)
      targets.push({ job: 'sut', url: new URL(s.metricsPath, replica.url).toString() });
  return targets;
}
