/**
 * Hung JWKS at cold start (fetch deadline, answer when keys cannot be had, readiness): the SUT
 * starts while its JWKS endpoint accepts requests and never answers, then gets one valid
 * request. The fetch deadline is how long the SUT held the hung fetch before giving up (mock-idp
 * journals the request when the client goes); the request's own answer shows whether the SUT
 * says 503 (right), 401 (blames the token) or hangs with the fetch.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration } from '../../util/duration.ts';
import type { MeasuredProfile } from '../../profile/schema.ts';
import type { Fetch } from '../session.ts';
import { roundMs, type Probe, type ProbeContext, type ProbeResult } from './types.ts';

export const hangProbe: Probe = {
  name: 'hang',
  summary: 'cold start while the JWKS endpoint never answers, one valid request',
  async run(ctx: ProbeContext): Promise<ProbeResult> {
    const { session, budgetMs } = ctx;
    const ttlMs = budgetMs * 2 + 30_000;
    await session.fault({ kind: 'hang', attributes: { stage: 'before-headers' }, ttlMs });
    const [token] = await session.mint(1);
    const replica = await session.startSut(false);
    const started = Date.now();
    const answer = await session.send(token ?? '', budgetMs);
    const readiness = session.readyUrlConfigured ? await replica.probeReady() : undefined;
    const first = await firstGivenUp(ctx, started);
    await session.clearFaults();
    await session.stopSut();

    const profile: MeasuredProfile = {};
    const evidence: string[] = [];
    if (first === undefined) {
      profile.fetchTimeoutMs = { atLeast: roundMs(Date.now() - started) };
      evidence.push(
        `hang: the SUT had not given up its hung JWKS fetch ${formatDuration(Date.now() - started)} after start (no effective fetch deadline within the budget)`,
      );
    } else {
      profile.fetchTimeoutMs = roundMs(first.end - first.start);
      evidence.push(
        `hang: the SUT gave up its hung JWKS fetch after ${formatDuration(first.end - first.start)}`,
      );
    }
    if (answer.status === undefined) {
      evidence.push(
        `hang: a valid token got no answer within ${formatDuration(answer.ms)} (${answer.error ?? 'no answer'}): requests hang with the fetch`,
      );
    } else {
      profile.keyFailureStatus = answer.status;
      evidence.push(
        `hang: a valid token got ${answer.status} after ${formatDuration(answer.ms)}` +
          (answer.status === 401 ? ' (an outage reported as an invalid token)' : ''),
      );
    }
    if (readiness !== undefined) {
      profile.capabilities = { readinessReflectsKeys: !readiness.ready };
      evidence.push(
        `hang: readiness without keys: ${readiness.ready ? 'ready' : `not ready (${readiness.status ?? readiness.error ?? ''})`}`,
      );
    } else {
      profile.capabilities = { readinessReflectsKeys: false };
      evidence.push('hang: no sut.readyUrl: readiness is a TCP accept and cannot reflect keys');
    }
    return { profile, evidence };
  },
};

/** The first hung fetch the SUT abandoned (journaled when it went), waiting at most the budget. */
async function firstGivenUp(
  { session, budgetMs }: ProbeContext,
  started: number,
): Promise<Fetch | undefined> {
  const deadline = started + budgetMs;
  let lastReport = Date.now();
  for (;;) {
    // The journal was reset when this probe's SUT started: every entry is this SUT's.
    const seen = await session.fetches(0);
    if (seen.length > 0) return seen[0];
    if (Date.now() >= deadline) return undefined;
    if (Date.now() - lastReport >= 5000) {
      lastReport = Date.now();
      session.progress(
        `  hang: fetch still held after ${formatDuration(lastReport - started)} of ${formatDuration(budgetMs)}`,
      );
    }
    await sleep(100);
  }
}
