/**
 * Runs one canary: discovery, then ticks at `interval` for `duration` (bounded; a signal stops
 * it early), then the verdict. Valid traffic that got anything but its expected status — 401
 * and 403 included — fails the run (exit 1); the reused-token probe is reported, never judged.
 * A Pushgateway that would not take the figures is an infrastructure failure (exit 3).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ExitCode, HarnessError } from '../errors.ts';
import { assertTargetAllowed } from '../util/loopback.ts';
import type { ResolvedCanary } from './config.ts';
import { discoverIssuer } from './discovery.ts';
import { JwksCheck } from './jwks-check.ts';
import type { TargetClient } from './probe.ts';
import { CanaryPusher } from './pushgateway.ts';
import { RateCap } from './rate-cap.ts';
import { CanaryRecorder, type RecorderListener } from './recorder.ts';
import type { CanaryResult, CanaryStatus } from './result.ts';
import { createTokenSource, type TokenSource } from './token-source.ts';
import { CanaryTraffic } from './traffic.ts';

/** What the live progress line shows, after every tick. */
export interface CanaryProgress {
  elapsedMs: number;
  plannedMs: number;
  sent: number;
  failed: number;
  reused: { sent: number; failed: number };
  /** The newest failure group's outcome, e.g. `fresh 403`. */
  lastFailure: string | undefined;
  /** Distinct failures so far (probe, request, outcome). */
  failureKinds: number;
}

export interface CanaryRunOptions {
  resolved: ResolvedCanary;
  /** Aborts the run early (SIGINT/SIGTERM): the result is then `interrupted`. */
  signal: AbortSignal;
  onProgress?: (progress: CanaryProgress) => void;
  /** Extra listeners of every probe result and window (tests, live output). */
  listeners?: RecorderListener[];
}

export async function runCanary(options: CanaryRunOptions): Promise<CanaryResult> {
  const { canary } = options.resolved;
  const startedAt = new Date();
  const started = performance.now();
  const recorder = new CanaryRecorder(canary.window);
  for (const l of options.listeners ?? []) recorder.listen(l);
  const target = options.resolved.pushGateway;
  const pusher = target === undefined ? undefined : new CanaryPusher(target);
  if (pusher !== undefined) recorder.listen(pusher);
  const cap = new RateCap(canary.maxRate);

  let traffic: CanaryTraffic | undefined;
  let setupError: HarnessError | undefined;
  let description =
    canary.token.grant === 'command' ? `command ${canary.token.command.join(' ')}` : canary.token.grant;
  try {
    const { source, jwksUri } = await openTokenSource(options.resolved, cap, options.signal);
    description = source.description;
    const client: TargetClient = {
      baseUrl: canary.target,
      timeoutMs: canary.requestTimeout,
      cap,
      signal: options.signal,
      startedAt: started,
    };
    const jwks =
      jwksUri === undefined
        ? undefined
        : new JwksCheck({
            jwksUri,
            allowHosts: options.resolved.allowHosts,
            cap,
            signal: options.signal,
            timeoutMs: canary.requestTimeout,
            minIntervalMs: canary.refreshEvery,
          });
    traffic = new CanaryTraffic({
      config: canary,
      requests: options.resolved.requests,
      source,
      target: client,
      recorder,
      jwks,
    });
    await tickUntilDone(traffic, options, recorder, started);
  } catch (error) {
    if (!(error instanceof HarnessError)) throw error;
    setupError = error;
  }

  const elapsed = performance.now() - started;
  recorder.finish(Math.round(elapsed));
  const interrupted = options.signal.aborted;
  const judged = recorder.judgedTotals();
  let status: CanaryStatus = interrupted
    ? 'interrupted'
    : setupError !== undefined
      ? 'error'
      : judged.failed > 0
        ? 'failed'
        : judged.sent === 0
          ? 'inconclusive'
          : 'passed';
  const notes: string[] = [];
  if (setupError !== undefined) notes.push(setupError.message);
  else if (status === 'inconclusive') notes.push('no valid probe was sent');
  if (pusher !== undefined) {
    await pusher.finish(status === 'passed');
    const { failedPushes, pushes, lastError } = pusher.stats;
    if (failedPushes > 0) {
      notes.push(`${failedPushes} of ${pushes} pushes to the Pushgateway failed (${lastError ?? ''})`);
      if (status === 'passed' || status === 'failed' || status === 'inconclusive') status = 'error';
    }
  }
  if (status === 'error' && judged.failed > 0) notes.push(`${judged.failed} probes failed as well`);
  const message = notes.length === 0 ? undefined : notes.join('; ');
  const tallies = recorder.talliesSnapshot();
  const reused = tallies.filter((t) => t.probe === 'reused');
  const reusedStory = traffic?.reusedSummary() ?? null;
  return {
    tool: 'keystorm',
    kind: 'canary',
    status,
    exitCode: exitCodeFor(status, setupError),
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(elapsed),
    plannedMs: canary.duration,
    target: canary.target,
    tokenSource: description,
    tallies,
    failures: recorder.failures(),
    windows: [...recorder.windows],
    skipped: traffic?.skipped() ?? [],
    reused:
      reusedStory === null
        ? null
        : {
            firstTokenExpiresAt: reusedStory.firstTokenExpiresAt,
            sent: sum(reused.map((t) => t.sent)),
            ok: sum(reused.map((t) => t.ok)),
            failed: sum(reused.map((t) => t.failed)),
          },
    pushGateway:
      pusher === undefined || target === undefined
        ? null
        : { url: target.url, job: target.job, instance: target.instance, ...pusher.stats },
    ...(message === undefined ? {} : { message }),
  };
}

async function openTokenSource(
  resolved: ResolvedCanary,
  cap: RateCap,
  signal: AbortSignal,
): Promise<{ source: TokenSource; jwksUri: string | undefined }> {
  const { canary } = resolved;
  let tokenEndpoint: string | undefined;
  let jwksUri: string | undefined;
  if (canary.token.grant !== 'command') {
    await cap.take(signal);
    const discovered = await discoverIssuer(canary.token.issuer, canary.requestTimeout);
    tokenEndpoint = discovered.tokenEndpoint;
    jwksUri = discovered.jwksUri;
    // The issuer was allow-listed; the endpoint it names must be too.
    assertTargetAllowed(tokenEndpoint, resolved.allowHosts);
  }
  const source = createTokenSource({
    config: canary.token,
    tokenEndpoint,
    secrets: resolved.secrets,
    timeoutMs: canary.requestTimeout,
    beforeRequest: () => cap.take(signal),
  });
  return { source, jwksUri };
}

/** Ticks at the cadence until the duration is over or the signal aborts; late ticks are skipped, not bunched. */
async function tickUntilDone(
  traffic: CanaryTraffic,
  options: CanaryRunOptions,
  recorder: CanaryRecorder,
  started: number,
): Promise<void> {
  const { canary } = options.resolved;
  let next = 0;
  while (!options.signal.aborted) {
    const elapsed = performance.now() - started;
    if (elapsed >= canary.duration) break;
    try {
      await traffic.tick(Math.round(elapsed));
    } catch (error) {
      if (options.signal.aborted) break;
      throw error;
    }
    const after = performance.now() - started;
    recorder.closeWindowsUntil(Math.round(after));
    options.onProgress?.(progressOf(recorder, after, canary.duration));
    next += canary.interval;
    while (next <= after) next += canary.interval;
    if (next >= canary.duration) break;
    try {
      await sleep(next - after, undefined, { signal: options.signal });
    } catch {
      break; // aborted
    }
  }
}

function progressOf(recorder: CanaryRecorder, elapsedMs: number, plannedMs: number): CanaryProgress {
  const judged = recorder.judgedTotals();
  const reusedTallies = recorder.talliesSnapshot().filter((t) => t.probe === 'reused');
  const failures = recorder.failures();
  const latest = failures.reduce<(typeof failures)[number] | undefined>(
    (a, b) => (a === undefined || b.lastAt >= a.lastAt ? b : a),
    undefined,
  );
  return {
    elapsedMs,
    plannedMs,
    sent: judged.sent,
    failed: judged.failed,
    reused: { sent: sum(reusedTallies.map((t) => t.sent)), failed: sum(reusedTallies.map((t) => t.failed)) },
    lastFailure: latest === undefined ? undefined : `${latest.probe} ${latest.outcome}`,
    failureKinds: failures.length,
  };
}

function exitCodeFor(status: CanaryStatus, setupError: HarnessError | undefined): number {
  switch (status) {
    case 'passed':
      return ExitCode.ok;
    case 'failed':
    case 'inconclusive':
      return ExitCode.sloBreach;
    case 'interrupted':
      return ExitCode.interrupted;
    case 'error':
      return setupError?.exitCode ?? ExitCode.harness;
  }
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
