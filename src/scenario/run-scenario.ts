/**
 * Plays one scenario: resets the provider, starts the SUT cold, runs load and timeline side by
 * side while sampling the provider, then judges the SLOs over their windows and returns a
 * ScenarioResult. Everything it changes is reverted before it returns, also on error.
 */
import { setMaxListeners } from 'node:events';
import { startLoad } from '../load/engine.ts';
import type { LoadResult } from '../load/result.ts';
import type { PhaseInput as EnginePhase } from '../load/phases.ts';
import type { RequestTemplateInput } from '../load/request-template.ts';
import { createAbortMonitor } from '../slo/abort.ts';
import { resolveSlos } from '../slo/definition.ts';
import type { Slo } from '../slo/definition.ts';
import { evaluateSlos } from '../slo/evaluate.ts';
import type { RecoverySecond } from '../slo/recovery.ts';
import type { TimelineSpan } from '../slo/window.ts';
import type { Sut } from '../sut/types.ts';
import { parseDuration } from '../util/duration.ts';
import { createRandom } from '../util/random.ts';
import type { ProgressSnapshot } from '../reporters/types.ts';
import type { PhaseInput, ScenarioInput } from './define.ts';
import { isFaultItem } from './define.ts';
import type { RunEnvironment } from './environment.ts';
import { IdpSampler, idpWindow } from './idp-sampler.ts';
import { createScenarioMetricSource } from './metric-source.ts';
import { RequestMix } from './request-mix.ts';
import { counterIncreases, scrapeSut } from './sut-metrics.ts';
import type {
  LoadSummary as ReportLoadSummary,
  ScenarioResult,
  SeriesPoint,
  TimelineEntry,
  WindowSpan,
} from './result.ts';
import { applyBeforeStart, playTimeline } from './timeline.ts';

export interface ScenarioRunSettings {
  env: RunEnvironment;
  /** Drill time × timeScale = run time. */
  timeScale: number;
  seed: number;
  replicas: number;
  connections: number;
  routes: Readonly<Record<string, RequestTemplateInput>>;
  /** Scrape the SUT's Prometheus endpoint before and after the load. */
  scrapeSutMetrics: boolean;
  /** SUT log patterns by name (the names `log_matches{pattern:…}` uses). */
  logPatternNames: readonly string[];
  clientsPerIssuer: number;
  tokenLifetimeS: number;
  requestTimeoutMs: number;
  allowHosts: readonly string[];
  signal: AbortSignal;
  index: number;
  total: number;
  onProgress: (progress: ProgressSnapshot) => void;
  onEvent: (entry: TimelineEntry) => void;
}

const DEFAULT_MIX = [{ kind: 'fresh', share: 1 }];

/** Runs a validated scenario. Never throws for SUT misbehaviour: that is what the result reports. */
export async function runScenario(scenario: ScenarioInput, s: ScenarioRunSettings): Promise<ScenarioResult> {
  const startedAt = new Date();
  const scale = (ms: number): number => ms * s.timeScale;
  const { env } = s;
  const issuers = env.issuers.map((i) => i.name);
  const defaultIssuer = issuers[0] ?? 'gitlab';
  const timeline: TimelineEntry[] = [];
  const clock0 = performance.now();
  let origin = clock0;
  const elapsedMs = (): number => performance.now() - origin;
  const record = (entry: TimelineEntry): void => {
    timeline.push(entry);
    s.onEvent(entry);
  };
  const readinessMismatches: number[] = [];
  const slos = scaleIntervalWindows(
    resolveSlos(scenario.slos, {
      path: `${scenario.name}.slos`,
      windowNames: [
        ...scenario.load.phases.map((p) => p.name),
        ...[...(scenario.beforeStart ?? []), ...(scenario.timeline ?? []).filter(isFaultItem)].map((f) =>
          'fault' in f ? f.fault.name : '',
        ),
      ],
    }),
    s.timeScale,
  );

  let sut: Sut | undefined;
  let preApplied: Awaited<ReturnType<typeof applyBeforeStart>> = [];
  let metricsBefore: Awaited<ReturnType<typeof scrapeSut>>;
  let metricsAfter: Awaited<ReturnType<typeof scrapeSut>>;
  let mix: RequestMix | undefined;
  let sampler: IdpSampler | undefined;
  let played: ReturnType<typeof playTimeline> | undefined;
  let result: LoadResult | undefined;
  let error: string | undefined;
  let epochOrigin = Date.now();
  const progressTimer: { id?: NodeJS.Timeout } = {};
  const abortLoad = new AbortController();
  // Every request in flight listens on this signal: hundreds at once are expected, not a leak.
  setMaxListeners(0, abortLoad.signal);
  const onOuterAbort = (): void => abortLoad.abort();
  s.signal.addEventListener('abort', onOuterAbort, { once: true });

  try {
    await env.idp.admin.reset();
    await env.pointIssuersAtProxies();
    await env.cleanProxies();
    preApplied = await applyBeforeStart(scenario.beforeStart ?? [], env.ledger, env.faultContext);
    for (const p of preApplied)
      record({ atMs: 0, what: `fault ${p.item.fault.name} applied before start`, ok: true });

    const replicas = scenario.replicas ?? s.replicas;
    sut = await env.startSut(replicas, preApplied.length === 0 && scenario.waitForReady !== false, s.signal);
    const targets = sut.replicas.map((r) => r.url ?? '');
    const currentSut = sut;

    const phaseMixes = scenario.load.phases.map((p) => p.mix ?? scenario.load.mix ?? DEFAULT_MIX);
    mix = new RequestMix({
      idp: env.idp,
      tokenUrl: (issuer) => env.directTokenUrl(issuer),
      defaultIssuer,
      routes: s.routes,
      phaseMixes,
      targets: () => targets,
      random: createRandom(s.seed).fork(scenario.name),
      seed: s.seed,
      clientsPerIssuer: s.clientsPerIssuer,
      tokenLifetimeS: s.tokenLifetimeS,
      allowHosts: s.allowHosts,
    });
    await mix.start();
    const activeMix = mix;

    metricsBefore = await scrapeSut(currentSut, s.scrapeSutMetrics);
    sampler = new IdpSampler(env.idp, elapsedMs);
    origin = performance.now();
    epochOrigin = Date.now();
    await sampler.start();
    const load = startLoad({
      target: targets[0] ?? 'http://127.0.0.1/',
      phases: toEnginePhases(scenario.load.phases, scale),
      source: mix.source,
      connections: (scenario.load.connections ?? s.connections) * Math.max(1, targets.length),
      timeout: s.requestTimeoutMs,
      allowHosts: s.allowHosts,
      signal: abortLoad.signal,
    });
    played = playTimeline({
      items: scenario.timeline ?? [],
      preApplied,
      scale,
      ledger: env.ledger,
      faultContext: env.faultContext,
      actionContext: {
        idp: env.idp,
        mix: activeMix,
        sut: () => currentSut,
        defaultIssuer,
        scale,
        readinessMismatch: (atMs) => readinessMismatches.push(atMs),
        elapsedMs,
        signal: abortLoad.signal,
      },
      elapsedMs,
      onEntry: record,
      signal: abortLoad.signal,
    });
    const timelineNow = played;
    const liveSource = createScenarioMetricSource({
      loadWindow: (from, to) => load.window(from, to),
      idpSeconds: sampler.seconds,
      logMatches: (pattern, from, to) => currentSut.logCount(pattern, epochOrigin + from, epochOrigin + to),
      readinessMismatches,
      recoverySeries: [],
      timeScale: s.timeScale,
      baseline: undefined,
    });
    const monitor = createAbortMonitor(slos, liveSource, () =>
      spans(load.elapsedMs(), [], timelineNow.windows(load.elapsedMs()), firstEventMs(scenario, scale)),
    );
    progressTimer.id = setInterval(() => {
      const snap = load.snapshot();
      s.onProgress({
        scenario: scenario.name,
        index: s.index,
        total: s.total,
        phase: snap.phase,
        elapsedMs: snap.elapsedMs,
        requests: snap.requests,
        errorRate: snap.errorRate,
        p95: snap.requests > 0 ? snap.rollingP95 : null,
        activeFaults: timelineNow.activeFaults(),
      });
      if (!monitor.idle) {
        const trip = monitor.checkAbort(load.elapsedMs());
        if (trip !== undefined && !abortLoad.signal.aborted) {
          record({ atMs: Math.round(trip.atMs), what: `aborted: ${trip.slo.name} failed`, ok: false });
          abortLoad.abort();
        }
      }
    }, 1000);
    progressTimer.id.unref();
    result = await load.done;
    metricsAfter = await scrapeSut(currentSut, s.scrapeSutMetrics);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    abortLoad.abort();
  } finally {
    if (progressTimer.id !== undefined) clearInterval(progressTimer.id);
    s.signal.removeEventListener('abort', onOuterAbort);
    if (played !== undefined) await played.finish();
    // The timeline never took over the faults applied before the SUT started: revert them here.
    else for (const p of preApplied) await p.fault.revert().catch(() => undefined);
    await sampler?.stop().catch(() => undefined);
    await mix?.close().catch(() => undefined);
  }

  const durationMs = result?.summary.durationMs ?? elapsedMs();
  const faultSpans = played?.windows(durationMs) ?? [];
  const windows = spans(durationMs, result?.summary.phases ?? [], faultSpans, firstEventMs(scenario, scale));
  const series = toSeries(result, sampler?.seconds ?? []);
  const recoverySeries: RecoverySecond[] = series.map((p) => ({
    t: p.t,
    requests: p.requests,
    p95: p.p95,
    unexpected: p.unexpected,
  }));
  const baselineSpan = windows.find((w) => w.kind === 'baseline');
  const finalSut = sut;
  const source = createScenarioMetricSource({
    loadWindow: (from, to) => (result === undefined ? emptyWindowView(from, to) : result.window(from, to)),
    idpSeconds: sampler?.seconds ?? [],
    logMatches: (pattern, from, to) => finalSut?.logCount(pattern, epochOrigin + from, epochOrigin + to) ?? 0,
    readinessMismatches,
    recoverySeries,
    timeScale: s.timeScale,
    baseline:
      baselineSpan === undefined ? undefined : { fromMs: baselineSpan.fromMs, toMs: baselineSpan.toMs },
  });
  const logMatches = Object.fromEntries(
    s.logPatternNames.map((name) => [name, finalSut?.logCount(name) ?? 0]),
  );
  await env.stopSut();

  const verdicts = evaluateSlos(slos, source, windows).map((r) => ({
    id: r.id,
    metric: r.metric,
    expression: r.expression,
    window: r.window,
    status: r.status,
    observed: r.observed,
    samples: r.samples,
    strict: r.strict,
    ...(r.message === undefined ? {} : { message: r.message }),
  }));
  const interrupted = s.signal.aborted;
  const failed = verdicts.some((v) => v.status === 'fail');
  const whole = idpWindow(sampler?.seconds ?? [], 0, Number.POSITIVE_INFINITY);
  return {
    name: scenario.name,
    hypothesis: scenario.hypothesis,
    covers: scenario.covers ?? [],
    status: interrupted ? 'interrupted' : error !== undefined ? 'error' : failed ? 'failed' : 'passed',
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - clock0),
    ...(error === undefined ? {} : { error }),
    slos: verdicts,
    load: toReportLoad(result),
    idp: {
      jwksFetches: whole.fetches,
      peakConcurrentJwksFetches: whole.peak,
      fetchesPerInstance: whole.perInstance,
      unknownKidFetches: whole.unknownKid,
      tokensIssued: (sampler?.seconds ?? []).reduce((n, sec) => n + sec.tokensIssued, 0),
      faultsInjected: (sampler?.seconds ?? []).reduce((n, sec) => n + sec.faultsInjected, 0),
    },
    logMatches,
    sutCounters: counterIncreases(metricsBefore, metricsAfter),
    windows,
    timeline,
    series,
    definition: scenario,
  };
}

/** Our phase shape → the engine's. */
export function toEnginePhases(phases: readonly PhaseInput[], scale: (ms: number) => number): EnginePhase[] {
  return phases.map((p): EnginePhase => {
    const duration =
      p.duration === undefined
        ? undefined
        : Math.max(1, Math.round(scale(parseDuration(p.duration, 'duration'))));
    const cap = p.maxRequests === undefined ? {} : { maxRequests: p.maxRequests };
    if (p.burst !== undefined)
      return { type: 'burst', name: p.name, count: p.burst, ...(duration === undefined ? {} : { duration }) };
    if (p.pause === true) return { type: 'pause', name: p.name, duration: duration ?? 1000 };
    if (p.vus !== undefined)
      return { type: 'closed', name: p.name, vus: p.vus, duration: duration ?? 1000, ...cap };
    if (p.rampTo !== undefined) {
      return {
        type: 'ramping-arrival',
        name: p.name,
        startRate: p.rate ?? 0,
        stages: [{ target: p.rampTo, duration: duration ?? 1000 }],
        ...cap,
      };
    }
    return { type: 'constant-arrival', name: p.name, rate: p.rate ?? 1, duration: duration ?? 1000, ...cap };
  });
}

/** Interval windows are written in drill time; the run plays at timeScale. */
function scaleIntervalWindows(slos: Slo[], timeScale: number): Slo[] {
  if (timeScale === 1) return slos;
  return slos.map((slo) =>
    slo.window.type === 'interval'
      ? {
          ...slo,
          window: {
            type: 'interval',
            fromMs: slo.window.fromMs * timeScale,
            ...(slo.window.toMs === undefined ? {} : { toMs: slo.window.toMs * timeScale }),
          },
        }
      : slo,
  );
}

/**
 * When the scenario first changes anything (a fault or an action), run time: the baseline ends
 * there. 0 when a fault was applied before the SUT started (no baseline then).
 */
function firstEventMs(scenario: ScenarioInput, scale: (ms: number) => number): number | undefined {
  if ((scenario.beforeStart ?? []).length > 0) return 0;
  const offsets = (scenario.timeline ?? []).map((item) =>
    scale(parseDuration(isFaultItem(item) ? item.from : item.at, 'offset')),
  );
  return offsets.length === 0 ? undefined : Math.min(...offsets);
}

/**
 * The named spans SLO windows refer to: the run, its phases and faults, the baseline (before
 * the first fault or action) and the recovery (after the last fault ends).
 */
function spans(
  durationMs: number,
  phases: readonly { name: string; startMs: number; endMs: number }[],
  faults: readonly WindowSpan[],
  firstEvent: number | undefined,
): WindowSpan[] & TimelineSpan[] {
  const out: WindowSpan[] = [{ name: 'run', kind: 'run', fromMs: 0, toMs: durationMs }];
  for (const p of phases) out.push({ name: p.name, kind: 'phase', fromMs: p.startMs, toMs: p.endMs });
  out.push(...faults);
  const baselineEnd = firstEvent ?? durationMs;
  if (baselineEnd > 0)
    out.push({ name: 'baseline', kind: 'baseline', fromMs: 0, toMs: Math.min(baselineEnd, durationMs) });
  if (faults.length > 0) {
    const lastEnd = Math.max(...faults.map((f) => f.toMs));
    if (lastEnd < durationMs)
      out.push({ name: 'recovery', kind: 'recovery', fromMs: lastEnd, toMs: durationMs });
  }
  return out;
}

function toSeries(
  result: LoadResult | undefined,
  idpSeconds: readonly { t: number; slots: Record<string, Record<string, { fetches: number }>> }[],
): SeriesPoint[] {
  const fetchesAt = new Map<number, number>();
  for (const sec of idpSeconds) {
    let n = 0;
    for (const issuers of Object.values(sec.slots))
      for (const slot of Object.values(issuers)) n += slot.fetches;
    fetchesAt.set(sec.t, n);
  }
  // The engine stamps each point with its start in ms; reports and recovery work in seconds.
  return (result?.summary.series ?? []).map((p) => ({
    t: Math.round(p.t / 1000),
    requests: p.requests,
    p50: p.requests > 0 ? p.latency.corrected.p50 : null,
    p95: p.requests > 0 ? p.latency.corrected.p95 : null,
    p99: p.requests > 0 ? p.latency.corrected.p99 : null,
    s2xx: p.status['2xx'],
    s401: p.status['401'],
    s403: p.status['403'],
    s4xx: p.status['4xx'],
    s5xx: p.status['5xx'],
    errors: p.errors.total,
    unexpected: p.unexpected,
    jwksFetches: fetchesAt.get(Math.round(p.t / 1000)) ?? 0,
  }));
}

function toReportLoad(result: LoadResult | undefined): ReportLoadSummary {
  const empty = { p50: null, p90: null, p95: null, p99: null, max: null, mean: null };
  if (result === undefined) {
    return {
      requests: 0,
      ratePerSecond: 0,
      corrected: empty,
      uncorrected: empty,
      statuses: {},
      unexpected: 0,
      securityFailures: 0,
      droppedStarts: 0,
      lateStarts: 0,
      kinds: {},
    };
  }
  const t = result.summary.totals;
  const lat = (l: {
    count: number;
    p50: number;
    p90: number;
    p95: number;
    p99: number;
    max: number;
    mean: number;
  }) =>
    l.count === 0 ? empty : { p50: l.p50, p90: l.p90, p95: l.p95, p99: l.p99, max: l.max, mean: l.mean };
  const statuses = (c: { status: Record<string, number> }): Record<string, number> =>
    Object.fromEntries(Object.entries(c.status).filter(([, n]) => n > 0));
  return {
    requests: t.requests,
    ratePerSecond: result.summary.achievedRate,
    corrected: lat(t.latency.corrected),
    uncorrected: lat(t.latency.uncorrected),
    statuses: statuses(t),
    unexpected: t.unexpected,
    securityFailures: t.securityFailures,
    droppedStarts: t.dropped,
    lateStarts: t.late,
    kinds: Object.fromEntries(
      Object.entries(result.summary.kinds).map(([k, v]) => [
        k,
        { requests: v.requests, unexpected: v.unexpected, statuses: statuses(v) },
      ]),
    ),
  };
}

function emptyWindowView(fromMs: number, toMs: number): ReturnType<LoadResult['window']> {
  const counts = {
    requests: 0,
    started: 0,
    late: 0,
    dropped: 0,
    responses: 0,
    status: { '2xx': 0, '3xx': 0, '401': 0, '403': 0, '4xx': 0, '5xx': 0, other: 0 },
    errors: { total: 0, timeout: 0, reset: 0, refused: 0, aborted: 0, other: 0 },
    unexpected: 0,
    securityFailures: 0,
    rates: { unexpected: 0, error: 0, '401': 0, '403': 0, '5xx': 0 },
  };
  const latency = { samples: 0, min: 0, max: 0, avg: 0, percentile: () => 0 };
  const zero = { count: 0, min: 0, mean: 0, stddev: 0, p50: 0, p90: 0, p95: 0, p99: 0, p99_9: 0, max: 0 };
  return {
    fromMs,
    toMs,
    stats: { ...counts, latency: { corrected: zero, uncorrected: zero } },
    kinds: {},
    latency: () => latency,
    counts: () => counts,
  };
}
