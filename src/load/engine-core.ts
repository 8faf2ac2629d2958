/**
 * The load engine's core: runs already-validated phases one after another on a timeline and sends the requests a
 * {@link RequestSource} produces through the pooled HTTP client.
 *
 * - Open model (arrival phases): starts happen on schedule whatever the response time, like
 *   k6's arrival-rate executors. A start finds room in the in-flight budget (`maxInFlight`,
 *   k6's VU pool) or is dropped and counted; requests above the connection limit wait in a
 *   FIFO for a connection, and that wait is start lag (a start sent more than
 *   `lateThreshold` after it was due is a late start).
 * - Closed model: N virtual users each send, wait for the response, optionally think, repeat.
 * - Bursts: N requests prepared first, then all released in one synchronous loop (stampedes).
 * - Every phase ends at its duration or its count cap; the run is cancellable with an
 *   AbortSignal: scheduling stops at once, in-flight requests get `abortGrace` to finish and
 *   are then aborted.
 *
 * Validation (zod) lives in engine.ts, whose `startLoad` is the public entry; this module loads
 * no zod, so `keystorm load`, whose flags are checked by its own parser, can start the engine
 * through {@link startResolvedLoad} without paying for it (~17 MB of RSS and ~0.3 s of start-up).
 */
import { tryParseDuration } from '../util/duration.ts';
import { HttpClient } from './http-client.ts';
import type { Flight } from './http-client.ts';
import type { PhaseInput, ResolvedPhase } from './phases.ts';
import { LoadRecorder } from './recorder.ts';
import type { LiveSnapshot, SeriesPoint, StatsJson, WindowView } from './recorder.ts';
import { LoadResult } from './result.ts';
import type { LoadSummary, PercentilesCountingDrops, PhaseReport, WarmupReport } from './result.ts';
import { ArrivalSchedule } from './schedule.ts';
import { Waker } from './waker.ts';
import type { WakerTuning } from './waker.ts';
import { summarize } from './histogram.ts';
import type { ErrorClass, RequestContext, RequestSource, RequestSpec } from './types.ts';

/** Options of a load run. Durations as `'5s'` or milliseconds. */
export interface LoadOptions {
  /** Base URL; relative request paths are resolved against it. Must be loopback or allow-listed. */
  target: string | URL;
  /** The timeline: phases run one after another. */
  phases: PhaseInput[];
  /** Produces each request; default: `GET` the target. */
  source?: RequestSource;
  /** Connections per origin (default 10). */
  connections?: number;
  /** Most requests in flight (waiting for a connection or on the wire) before starts are dropped (default 1000). */
  maxInFlight?: number;
  /** Per-request timeout (default 10s). */
  timeout?: number | string;
  /** A start sent later than this after its intended time is a late start (default 5ms). */
  lateThreshold?: number | string;
  /** After the last phase, how long to wait for in-flight requests before aborting them (default: `timeout` + 1s). */
  drainTimeout?: number | string;
  /** After an abort, how long in-flight requests may still finish (default 1s). */
  abortGrace?: number | string;
  /** Non-loopback hosts the user explicitly allows. */
  allowHosts?: readonly string[];
  /** Stops the run: no new starts, a bounded wait, then in-flight requests are aborted. */
  signal?: AbortSignal;
  /** Called with each second's series point as soon as the second is over. */
  onSecond?: (point: SeriesPoint) => void;
  /**
   * Called once per finished request (not for dropped starts, nor for warm-up requests), with
   * its intended start: lets a caller judge windows by when each request was due, at
   * millisecond resolution.
   */
  onRequest?: (sample: RequestSample) => void;
  /**
   * Before the clock starts, open every connection to the target with one request each
   * (`true`: `GET` the target; or the request to send). The warm-up is reported on its own
   * ({@link LoadSummary.warmup}) and never counted in the run's figures; run time 0, and
   * `startedAt`, are the end of the warm-up. Default: no warm-up.
   */
  warmup?: boolean | RequestSpec;
  /**
   * How the open model waits the last moment before a start (see src/load/waker.ts). Either
   * way, a start that falls due while a response is being read is made on that wake.
   * - `'timer'` (default): timers only; starts between responses leave up to ~2 ms late
   *   (Node's timers are 1 ms-coarse). Right when the process also serves other things — in
   *   `keystorm run` mock-idp and the fault proxy share the event loop;
   * - `'block'`: a timer aimed early, then `Atomics.wait` for the rest (the whole gap, ≤ 20 ms,
   *   while nothing is in flight; steps of ≤ 0.25 ms otherwise, so a response is read at most
   *   that late): sub-millisecond precision at no CPU, but the event loop (its timers, signals)
   *   waits meanwhile. For a process that does nothing else (`keystorm load` uses it).
   */
  finalWait?: 'timer' | 'block';
}

/** Waker tunings of {@link LoadOptions.finalWait}: `'timer'` never blocks. */
const FINAL_WAIT: Record<'timer' | 'block', Partial<WakerTuning>> = {
  timer: { leadMs: 0, maxIdleBlockMs: 0, maxBusyBlockMs: 0 },
  block: {},
};

/** One finished request as {@link LoadOptions.onRequest} sees it. Times in ms since the run started. */
export interface RequestSample {
  kind: string;
  /** The spec's `tags`, when it had any. */
  tags?: readonly string[] | undefined;
  expect: readonly number[] | undefined;
  /** HTTP status, 0 when none was received. */
  status: number;
  error: ErrorClass | undefined;
  /** When the request was due to start. */
  intendedMs: number;
  /** When it was actually sent (-1 when it never was). */
  sentMs: number;
  /** When it ended. */
  doneMs: number;
}

/** A run in progress. */
export interface LoadRun {
  /** Settles with the result when the run ends (normally or after an abort). */
  readonly done: Promise<LoadResult>;
  /** Progress figures for a live display. */
  snapshot(): LiveSnapshot & { inFlight: number; phase: string };
  /** Milliseconds since the run started. */
  elapsedMs(): number;
  /** Windowed figures while the run goes on (see {@link LoadResult.window}). */
  window(fromMs: number, toMs: number): WindowView;
  /** When the run started (wall clock; after the warm-up, when there is one). */
  readonly startedAt: Date;
}

type EndReason = PhaseReport['endedBy'];

interface PhaseState {
  phase: ResolvedPhase;
  scheduled: number;
  dropped: number;
}

class EngineFlight implements Flight {
  sentAt = -1;
  /** A warm-up request: counted in the warm-up report only. */
  warmup = false;
  constructor(
    readonly method: string,
    readonly path: string,
    readonly headers: Record<string, string> | undefined,
    readonly body: string | Uint8Array | undefined,
    readonly kind: string,
    readonly expect: readonly number[] | undefined,
    readonly intendedMs: number,
    readonly onEnd: ((status: number) => void) | undefined,
    readonly tags: readonly string[] | undefined,
  ) {}
}

/** `GET` the target itself. One spec object serves every request (the engine never mutates specs). */
const DEFAULT_SPEC: RequestSpec = Object.freeze({ method: 'GET', path: '', kind: 'default' });
const defaultSource: RequestSource = () => DEFAULT_SPEC;

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

class Engine {
  readonly phases: ResolvedPhase[];
  readonly recorder: LoadRecorder;
  startedAt = new Date();
  /** performance.now() at run time 0 (moved to the end of the warm-up, when there is one). */
  private t0 = performance.now();
  private readonly client: HttpClient<EngineFlight>;
  private readonly source: RequestSource;
  private readonly connections: number;
  private readonly maxInFlight: number;
  private readonly timeoutMs: number;
  private readonly drainMs: number;
  private readonly abortGraceMs: number;
  private inFlight = 0;
  private peakInFlight = 0;
  private seq = 0;
  private aborted = false;
  private finished = false;
  private currentPhase = '';
  private sourceErrors = 0;
  private firstSourceError: string | undefined;
  /** Sleepers to wake early (abort, or in-flight reaching zero while draining). */
  private readonly sleepers = new Set<() => void>();
  private readonly wakeOnIdle = new Set<() => void>();
  private readonly onRequest: ((sample: RequestSample) => void) | undefined;
  private warmupReport: WarmupReport | undefined;
  /** The open model's waker while an arrival phase runs (told when the engine goes idle). */
  private arrivalWaker: Waker | undefined;

  /** `options` must have been validated (engine.ts) and `phases` resolved (phases.ts). */
  constructor(
    private readonly options: LoadOptions,
    phases: ResolvedPhase[],
  ) {
    this.phases = phases;
    this.connections = options.connections ?? 10;
    this.maxInFlight = options.maxInFlight ?? 1000;
    this.timeoutMs = tryParseDuration(options.timeout ?? 10_000) ?? 10_000;
    // Requests end by their own timeout (the sweep runs every timeout/20); the extra second
    // covers that, and undici's coarse timers on https: origins.
    this.drainMs = tryParseDuration(options.drainTimeout ?? this.timeoutMs + 1000) ?? this.timeoutMs + 1000;
    this.abortGraceMs = tryParseDuration(options.abortGrace ?? 1000) ?? 1000;
    this.source = options.source ?? defaultSource;
    this.onRequest = options.onRequest;
    this.recorder = new LoadRecorder(tryParseDuration(options.lateThreshold ?? 5) ?? 5, options.onSecond);
    this.client = new HttpClient<EngineFlight>(
      options.target,
      { connections: this.connections, timeoutMs: this.timeoutMs, allowHosts: options.allowHosts ?? [] },
      (flight, status, error) =>
        flight.warmup ? this.onWarmupDone(status) : this.onDone(flight, status, error),
      (flight) => {
        if (!flight.warmup) this.recorder.sent(flight.kind, flight.intendedMs, flight.sentAt - this.t0);
      },
    );
  }

  rel(): number {
    return performance.now() - this.t0;
  }

  snapshot(): LiveSnapshot & { inFlight: number; phase: string } {
    return { ...this.recorder.snapshot(this.rel()), inFlight: this.inFlight, phase: this.currentPhase };
  }

  async execute(): Promise<LoadResult> {
    const signal = this.options.signal;
    const onAbort = (): void => this.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted === true) this.aborted = true;
    if (this.options.warmup !== undefined && this.options.warmup !== false && !this.aborted) {
      await this.warmUp(this.options.warmup === true ? DEFAULT_SPEC : this.options.warmup);
    }
    // Closes seconds with no traffic too, so the series has no holes and onSecond keeps time.
    const tick = setInterval(() => this.recorder.advance(this.rel()), 250);
    const reports: PhaseReport[] = [];
    try {
      for (const phase of this.phases) {
        if (this.aborted) break;
        const state: PhaseState = { phase, scheduled: 0, dropped: 0 };
        const startMs = this.rel();
        this.currentPhase = phase.name;
        const endedBy = await this.runPhase(state, startMs);
        reports.push({
          name: phase.name,
          type: phase.type,
          startMs,
          endMs: this.rel(),
          scheduled: state.scheduled,
          dropped: state.dropped,
          endedBy,
        });
      }
      const scheduleMs = this.rel();
      this.currentPhase = 'drain';
      await this.drain();
      const durationMs = this.rel();
      this.recorder.finish(durationMs);
      this.finished = true;
      return new LoadResult(this.summary(reports, scheduleMs, durationMs), this.recorder);
    } finally {
      clearInterval(tick);
      signal?.removeEventListener('abort', onAbort);
      if (!this.finished) await this.client.destroy();
    }
  }

  private summary(phases: PhaseReport[], scheduleMs: number, durationMs: number): LoadSummary {
    const whole = this.recorder.whole(durationMs);
    const activeMs = scheduleMs - (phases[0]?.startMs ?? 0);
    return {
      target: String(this.options.target),
      startedAt: this.startedAt.toISOString(),
      durationMs: round(durationMs),
      scheduleMs: round(scheduleMs),
      aborted: this.aborted,
      settings: {
        connections: this.connections,
        maxInFlight: this.maxInFlight,
        timeoutMs: this.timeoutMs,
        lateThresholdMs: this.recorder.lateThresholdMs,
      },
      phases: phases.map((p) => ({ ...p, startMs: round(p.startMs), endMs: round(p.endMs) })),
      achievedRate: activeMs > 0 ? round((whole.stats.requests / activeMs) * 1000) : 0,
      peakInFlight: this.peakInFlight,
      totals: whole.stats,
      startLag: summarize(this.recorder.startLag),
      scheduleLag: summarize(this.recorder.scheduleLag),
      kinds: whole.kinds,
      sourceErrors: {
        count: this.sourceErrors,
        ...(this.firstSourceError === undefined ? {} : { first: this.firstSourceError }),
      },
      series: this.recorder.series(),
      ...(this.warmupReport === undefined ? {} : { warmup: this.warmupReport }),
      warnings: this.warnings(whole.stats),
      ...(whole.stats.dropped > 0
        ? { correctedCountingDrops: percentilesCountingDrops(whole, whole.stats.dropped) }
        : {}),
    };
  }

  /** What a reader must not miss: dropped starts, with the cap to raise. */
  private warnings(totals: StatsJson): string[] {
    const warnings: string[] = [];
    const scheduled = totals.started + totals.dropped;
    if (totals.dropped > 0) {
      const share = ((totals.dropped / scheduled) * 100).toFixed(2);
      warnings.push(
        `${totals.dropped} of ${scheduled} scheduled starts (${share} %) were dropped: ${this.maxInFlight} ` +
          `requests were already in flight (maxInFlight, --max-in-flight). Dropped starts were never ` +
          `sent and have no latency, so the corrected percentiles leave them out ` +
          `(correctedCountingDrops counts them as slower than any response). Raise maxInFlight ` +
          `(or connections, ${this.connections} now) or lower the rate.`,
      );
    }
    if (this.warmupReport !== undefined && this.warmupReport.failed > 0) {
      warnings.push(
        `${this.warmupReport.failed} of ${this.warmupReport.requests} warm-up requests failed: ` +
          `some connections were not open when the clock started.`,
      );
    }
    return warnings;
  }

  /**
   * Opens the connection budget before the clock starts: one request per connection, all at
   * once (each goes to an idle connection, which the client then opens), bounded by the timeout.
   * Run time 0 is then moved to the end of the warm-up.
   */
  private async warmUp(spec: RequestSpec): Promise<void> {
    const began = performance.now();
    this.warmupReport = { connections: this.connections, requests: 0, ok: 0, failed: 0, durationMs: 0 };
    const target = spec.url ?? spec.path ?? '';
    const path = target.startsWith('/') ? this.client.basePath + target : this.client.basePath || '/';
    for (let n = 0; n < this.connections; n++) {
      const flight = new EngineFlight(
        spec.method ?? 'GET',
        path,
        spec.headers,
        spec.body,
        'warmup',
        spec.expect,
        0,
        undefined,
        undefined,
      );
      flight.warmup = true;
      this.warmupReport.requests++;
      this.inFlight++;
      this.client.send(flight);
    }
    await this.sleepUntil(this.rel() + this.timeoutMs + 1000, true);
    this.warmupReport.durationMs = round(performance.now() - began);
    this.t0 = performance.now();
    this.startedAt = new Date();
  }

  private onWarmupDone(status: number): void {
    this.inFlight--;
    const report = this.warmupReport;
    if (report !== undefined) {
      if (status !== 0) report.ok++;
      else report.failed++;
    }
    this.afterDone();
  }

  private abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    for (const wake of [...this.sleepers]) wake();
  }

  /** Waits for in-flight requests (bounded), then aborts whatever is left. */
  private async drain(): Promise<void> {
    let deadline = this.rel() + (this.aborted ? this.abortGraceMs : this.drainMs);
    while (this.inFlight > 0 && this.rel() < deadline) {
      const wasAborted = this.aborted;
      await this.sleepUntil(deadline, true);
      if (!wasAborted && this.aborted) deadline = Math.min(deadline, this.rel() + this.abortGraceMs);
    }
    if (this.inFlight > 0) await this.client.destroy();
    else await this.client.close();
  }

  /** Sleeps until `untilMs` (run time); woken early by an abort, or when idle if asked. */
  private sleepUntil(untilMs: number, wakeWhenIdle = false): Promise<void> {
    return new Promise((resolve) => {
      if (this.aborted || (wakeWhenIdle && this.inFlight === 0)) {
        resolve();
        return;
      }
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        this.wakeOnIdle.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, untilMs - this.rel()));
      this.sleepers.add(wake);
      if (wakeWhenIdle) this.wakeOnIdle.add(wake);
    });
  }

  private runPhase(state: PhaseState, startMs: number): Promise<EndReason> {
    const phase = state.phase;
    switch (phase.type) {
      case 'arrival':
        return this.runArrival(state, phase, startMs);
      case 'closed':
        return this.runClosed(state, phase, startMs);
      case 'burst':
        return this.runBurst(state, phase, startMs);
      case 'pause':
        return this.sleepUntil(startMs + phase.durationMs).then(() => (this.aborted ? 'abort' : 'time'));
    }
  }

  /**
   * Open model. Sleeps until the next start is due (see {@link Waker}: a coarse timer, then a
   * bounded final wait), then makes every start that is due, each with its own intended time,
   * so a stalled event loop shows up as lag (and in the corrected latency), never as drift.
   */
  private runArrival(
    state: PhaseState,
    phase: Extract<ResolvedPhase, { type: 'arrival' }>,
    startMs: number,
  ): Promise<EndReason> {
    const schedule = new ArrivalSchedule(phase.segments);
    const endMs = startMs + phase.durationMs;
    // Idle (nothing in flight), no response can be read late, so the waker may block longer.
    const waker = new Waker(
      () => this.rel(),
      FINAL_WAIT[this.options.finalWait ?? 'timer'],
      () => this.inFlight === 0,
    );
    this.arrivalWaker = waker;
    let i = 0;
    return new Promise((resolve) => {
      const finish = (why: EndReason): void => {
        waker.cancel();
        this.arrivalWaker = undefined;
        this.sleepers.delete(onAbort);
        resolve(why);
      };
      const onAbort = (): void => finish('abort');
      this.sleepers.add(onAbort);
      const step = (): void => {
        if (this.aborted) return finish('abort');
        const now = this.rel();
        for (;;) {
          if (i >= phase.maxRequests) return finish('count');
          const offset = schedule.timeOf(i);
          const due = offset === undefined ? endMs : startMs + offset;
          if (offset === undefined || due >= endMs) {
            if (now >= endMs) return finish('time');
            return waker.at(endMs, step);
          }
          if (due > now) return waker.at(due, step);
          this.start(state, due, -1, undefined, undefined);
          i++;
        }
      };
      step();
    });
  }

  /** Closed model: each VU loops send → response → think time until time or count runs out. */
  private runClosed(
    state: PhaseState,
    phase: Extract<ResolvedPhase, { type: 'closed' }>,
    startMs: number,
  ): Promise<EndReason> {
    const endMs = startMs + phase.durationMs;
    let issued = 0;
    let active = phase.vus;
    return new Promise((resolve) => {
      let settled = false;
      const timers = new Set<NodeJS.Timeout>();
      const finish = (why: EndReason): void => {
        if (settled) return;
        settled = true;
        clearTimeout(endTimer);
        for (const t of timers) clearTimeout(t);
        this.sleepers.delete(onAbort);
        resolve(why);
      };
      const onAbort = (): void => finish('abort');
      this.sleepers.add(onAbort);
      const endTimer = setTimeout(() => finish('time'), phase.durationMs);
      const later = (ms: number, fn: () => void): void => {
        const t = setTimeout(() => {
          timers.delete(t);
          fn();
        }, ms);
        timers.add(t);
      };
      const stopVu = (): void => {
        active--;
        if (active === 0) finish(issued >= phase.maxRequests ? 'count' : 'time');
      };
      // One continuation per VU, made once: the loop allocates nothing per request itself.
      const continuations: ((status: number) => void)[] = [];
      const loop = (vu: number): void => {
        const now = this.rel();
        if (settled || this.aborted || now >= endMs || issued >= phase.maxRequests) return stopVu();
        issued++;
        const started = this.start(state, now, vu, undefined, continuations[vu]);
        if (!started) later(1, () => loop(vu));
      };
      for (let vu = 0; vu < phase.vus; vu++) {
        continuations.push((status) => {
          // A request that failed without reaching the server may fail again synchronously:
          // yield to the event loop before retrying so a VU can never spin.
          if (status === 0) setImmediate(() => loop(vu));
          else if (phase.thinkTimeMs > 0) later(phase.thinkTimeMs, () => loop(vu));
          else loop(vu);
        });
      }
      for (let vu = 0; vu < phase.vus; vu++) loop(vu);
    });
  }

  /**
   * Burst: asks the source for every request first (bounded by `prepareTimeout`), then
   * releases them all in one synchronous loop so they reach the SUT together. Requests whose
   * preparation did not finish in time count as dropped starts.
   */
  private async runBurst(
    state: PhaseState,
    phase: Extract<ResolvedPhase, { type: 'burst' }>,
    startMs: number,
  ): Promise<EndReason> {
    const prepared: (RequestSpec | undefined)[] = new Array<RequestSpec | undefined>(phase.maxRequests);
    const pending: Promise<void>[] = [];
    for (let n = 0; n < phase.maxRequests; n++) {
      const ctx: RequestContext = {
        seq: this.seq++,
        phase: phase.name,
        phaseIndex: phase.index,
        vu: -1,
        intendedMs: startMs,
      };
      try {
        const spec = this.source(ctx);
        if (isPromise(spec)) {
          pending.push(
            spec.then(
              (s) => void (prepared[n] = s),
              (error: unknown) => this.noteSourceError(error),
            ),
          );
        } else prepared[n] = spec;
      } catch (error) {
        this.noteSourceError(error);
      }
    }
    if (pending.length > 0) {
      const all = Promise.all(pending).then(() => undefined);
      await Promise.race([all, this.sleepUntil(startMs + phase.prepareTimeoutMs)]);
    }
    if (this.aborted) return 'abort';
    const release = this.rel();
    for (const spec of prepared) {
      if (spec === undefined) {
        state.scheduled++;
        state.dropped++;
        this.recorder.dropped(release);
      } else this.start(state, release, -1, spec, undefined);
    }
    await this.sleepUntil(release + phase.durationMs);
    return this.aborted ? 'abort' : 'time';
  }

  /**
   * Makes one start: checks the in-flight budget, gets the request (unless prepared) and sends
   * it. Returns false when the start was dropped.
   */
  private start(
    state: PhaseState,
    intendedMs: number,
    vu: number,
    prepared: RequestSpec | undefined,
    onEnd: ((status: number) => void) | undefined,
  ): boolean {
    state.scheduled++;
    if (this.inFlight >= this.maxInFlight) {
      state.dropped++;
      this.recorder.dropped(this.rel());
      return false;
    }
    this.inFlight++;
    if (this.inFlight > this.peakInFlight) this.peakInFlight = this.inFlight;
    // A virtual user's start is due the moment it is made (vu ≥ 0): its schedule lag is zero
    // by construction, so only open-model and burst starts measure the scheduler.
    if (vu < 0) this.recorder.made(intendedMs, this.rel());
    if (prepared !== undefined) {
      this.launch(prepared, intendedMs, onEnd);
      return true;
    }
    const ctx: RequestContext = {
      seq: this.seq++,
      phase: state.phase.name,
      phaseIndex: state.phase.index,
      vu,
      intendedMs,
    };
    let spec: RequestSpec | Promise<RequestSpec>;
    try {
      spec = this.source(ctx);
    } catch (error) {
      this.sourceFailed(error, intendedMs, onEnd);
      return true;
    }
    if (isPromise(spec)) {
      spec.then(
        (s) => this.launch(s, intendedMs, onEnd),
        (error: unknown) => this.sourceFailed(error, intendedMs, onEnd),
      );
    } else this.launch(spec, intendedMs, onEnd);
    return true;
  }

  private launch(spec: RequestSpec, intendedMs: number, onEnd: ((status: number) => void) | undefined): void {
    const target = spec.url ?? spec.path ?? '';
    let origin: string | undefined;
    let path: string;
    if (target.startsWith('/')) {
      // The common cases, without the routing object: a path on the target, or the target.
      path = this.client.basePath === '' ? target : this.client.basePath + target;
    } else if (target === '') {
      path = this.client.basePath || '/';
    } else {
      try {
        ({ origin, path } = this.client.route(target));
      } catch (error) {
        this.sourceFailed(error, intendedMs, onEnd);
        return;
      }
    }
    const flight = new EngineFlight(
      spec.method ?? 'GET',
      path,
      spec.headers,
      spec.body,
      spec.kind ?? 'default',
      spec.expect,
      intendedMs,
      onEnd,
      spec.tags,
    );
    this.client.send(flight, origin);
  }

  private noteSourceError(error: unknown): void {
    this.sourceErrors++;
    this.firstSourceError ??= error instanceof Error ? error.message : String(error);
  }

  /** The source threw or routed the request somewhere forbidden: an error of kind `source-error`. */
  private sourceFailed(
    error: unknown,
    intendedMs: number,
    onEnd: ((status: number) => void) | undefined,
  ): void {
    this.noteSourceError(error);
    this.inFlight--;
    if (!this.finished) {
      const done = this.rel();
      this.recorder.completed('source-error', undefined, 0, 'other', intendedMs, -1, done);
      this.onRequest?.({
        kind: 'source-error',
        expect: undefined,
        status: 0,
        error: 'other',
        intendedMs,
        sentMs: -1,
        doneMs: done,
      });
    }
    this.afterDone();
    onEnd?.(0);
  }

  private onDone(flight: EngineFlight, status: number, error: ErrorClass | undefined): void {
    this.inFlight--;
    if (!this.finished) {
      const sent = flight.sentAt < 0 ? -1 : flight.sentAt - this.t0;
      const done = this.rel();
      this.recorder.completed(flight.kind, flight.expect, status, error, flight.intendedMs, sent, done);
      this.onRequest?.({
        kind: flight.kind,
        tags: flight.tags,
        expect: flight.expect,
        status,
        error,
        intendedMs: flight.intendedMs,
        sentMs: sent,
        doneMs: done,
      });
    }
    this.afterDone();
    flight.onEnd?.(status);
  }

  private afterDone(): void {
    // Awake anyway: a start that is due now is made on this wake (at high rates, most are).
    this.arrivalWaker?.poke();
    if (this.inFlight !== 0) return;
    this.arrivalWaker?.rearm();
    if (this.wakeOnIdle.size > 0) for (const wake of [...this.wakeOnIdle]) wake();
  }
}

/**
 * Corrected percentiles with every dropped start counted as slower than any response (it was
 * never answered): percentile p of the n responses plus d drops is the response percentile at
 * p·(n+d)/n, or null ("dropped") once that passes 100.
 */
function percentilesCountingDrops(whole: WindowView, dropped: number): PercentilesCountingDrops {
  const view = whole.latency('corrected');
  const n = view.samples;
  const at = (p: number): number | null => {
    const scaled = (p * (n + dropped)) / n;
    return n === 0 || scaled > 100 ? null : view.percentile(scaled);
  };
  return { dropped, p50: at(50), p90: at(90), p95: at(95), p99: at(99), p99_9: at(99.9) };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * Starts a run of phases that are already resolved, with options already validated (see
 * `startLoad` in engine.ts for the validating entry).
 * @throws HarnessError ERR_NOT_LOOPBACK for a target outside loopback that is not allow-listed
 */
export function startResolvedLoad(options: LoadOptions, phases: ResolvedPhase[]): LoadRun {
  const engine = new Engine(options, phases);
  const done = engine.execute();
  return {
    done,
    get startedAt() {
      return engine.startedAt;
    },
    snapshot: () => engine.snapshot(),
    elapsedMs: () => engine.rel(),
    window: (fromMs, toMs) => engine.recorder.window(fromMs, toMs),
  };
}
