/**
 * Outage after warm-up (TTL, refresh-ahead, stale fallback): a warm SUT gets a valid request
 * every 200 ms while its JWKS endpoint answers 503 after 600 ms. Read from outside:
 *
 * - G: when the first (failing) refetch starts, after the last good fetch;
 * - whether a request waited for that refetch (≥ 80 % of the 600 ms): a refetch on the request
 *   path means the keys had expired (no refresh-ahead, TTL = G); none means a background
 *   refresh ahead of expiry;
 * - F: when valid tokens start failing: the keys are gone (TTL = F when refreshed ahead, and
 *   refresh-ahead = F − G). Still verifying long after an on-path refetch failed = stale fallback.
 *
 * A SUT that keeps its keys longer than the budget gets `ttlMs: { atLeast: … }`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration } from '../../util/duration.ts';
import type { MeasuredProfile } from '../../profile/schema.ts';
import type { Exchange, Fetch } from '../session.ts';
import { countOf, isOk, roundMs, type Probe, type ProbeContext, type ProbeResult } from './types.ts';

const EVERY_MS = 200;
const FAILING_FETCH_MS = 600;
/** A refetch this long after the on-path one and still verifying = stale fallback. */
const STALE_MARGIN_MS = 1000;

export const outageProbe: Probe = {
  name: 'outage',
  summary: `warm SUT, JWKS answering 503 after ${FAILING_FETCH_MS}ms, a valid request every ${EVERY_MS}ms`,
  async run(ctx: ProbeContext): Promise<ProbeResult> {
    const { session, budgetMs } = ctx;
    await session.startSut(true);
    const tokens = await session.mint(1);
    const token = tokens[0] ?? '';
    const warm = await session.send(token, Math.min(budgetMs, 10_000));
    const warmFetches = await session.waitForFetches(0, 1, 2000);
    const good = warmFetches.filter((f) => f.status === 200).at(-1);
    if (good === undefined || !isOk(warm, session.expect)) {
      await session.stopSut();
      return {
        profile: {},
        evidence: [
          `outage: the warm-up request got ${warm.status ?? warm.error} with ${warmFetches.length} fetch(es); not measured`,
        ],
      };
    }
    const ttlMs = budgetMs * 2 + 30_000;
    await session.fault({ kind: 'status', attributes: { status: 503 }, ttlMs });
    await session.fault({ kind: 'latency', attributes: { ms: FAILING_FETCH_MS }, ttlMs });
    const observed = await observe(ctx, token, good.end);
    await session.clearFaults();
    await session.stopSut();
    return judge({ ...observed, lastGood: good.end });
  },
};

interface Observation {
  exchanges: Exchange[];
  attempts: Fetch[];
  /** First request (sent after the last good fetch) that did not get a valid answer. */
  failed: Exchange | undefined;
  elapsed: number;
}

async function observe(
  { session, budgetMs }: ProbeContext,
  token: string,
  lastGood: number,
): Promise<Observation> {
  const pending: Promise<Exchange>[] = [];
  const exchanges: Exchange[] = [];
  let failed: Exchange | undefined;
  let lastReport = Date.now();
  while (Date.now() - lastGood < budgetMs && failed === undefined) {
    pending.push(
      session.send(token, Math.max(FAILING_FETCH_MS * 4, 5000)).then((e) => {
        exchanges.push(e);
        if (!isOk(e, session.expect) && (failed === undefined || e.sentAt < failed.sentAt)) failed = e;
        return e;
      }),
    );
    await sleep(EVERY_MS);
    if (Date.now() - lastReport >= 5000) {
      lastReport = Date.now();
      const attempts = await session.fetches(lastGood + 1);
      session.progress(
        `  outage: ${formatDuration(lastReport - lastGood)} of ${formatDuration(budgetMs)} since the last good fetch, ${attempts.length} failing refetch(es), valid tokens ${failed === undefined ? 'still verify' : 'fail'}`,
      );
    }
  }
  await Promise.all(pending);
  // Attempts still hanging on the latency end within FAILING_FETCH_MS.
  await sleep(FAILING_FETCH_MS + 100);
  const attempts = (await session.fetches(lastGood + 1)).filter((f) => f.start > lastGood);
  return { exchanges, attempts, failed, elapsed: Date.now() - lastGood };
}

type Judged = Observation & { lastGood: number };

function judge(o: Judged): ProbeResult {
  const { attempts, failed, lastGood, exchanges } = o;
  const first = attempts[0];
  const profile: MeasuredProfile = failed?.status === undefined ? {} : { keyFailureStatus: failed.status };
  if (first === undefined) {
    profile.ttlMs = { atLeast: roundMs(o.elapsed) };
    const tokens =
      failed === undefined ? 'kept verifying' : `failed from ${formatDuration(failed.sentAt - lastGood)}`;
    return {
      profile,
      evidence: [
        `outage: no refetch in the ${formatDuration(o.elapsed)} after the last good fetch while valid tokens ${tokens}: TTL > ${formatDuration(o.elapsed)}`,
      ],
    };
  }
  // A request sent just before the refetch started and held until it failed: the refetch was on its path.
  const onPath = exchanges.some(
    (e) =>
      e.sentAt <= first.start + 50 &&
      e.sentAt >= first.start - EVERY_MS - 50 &&
      e.ms >= 0.8 * FAILING_FETCH_MS,
  );
  const g = first.start - lastGood;
  const attemptsLine = `${countOf(attempts.length, 'refetch attempt')} during the outage, the first ${formatDuration(g)} after the last good fetch`;
  return onPath ? judgeOnPath(o, g, attemptsLine, profile) : judgeBackground(o, g, attemptsLine, profile);
}

/** The refetch waited on a request: the keys had expired at G; then stale fallback or failure. */
function judgeOnPath(o: Judged, g: number, attemptsLine: string, profile: MeasuredProfile): ProbeResult {
  const { failed, lastGood } = o;
  profile.ttlMs = roundMs(g);
  profile.refreshAheadMs = 0;
  const staleFor = failed === undefined ? o.elapsed - g : failed.sentAt - lastGood - g;
  profile.staleFallback = staleFor > STALE_MARGIN_MS;
  const after =
    failed === undefined
      ? `valid tokens still verified ${formatDuration(staleFor)} past expiry (stale fallback)`
      : `valid tokens failed (${failed.status ?? failed.error}) ${formatDuration(staleFor)} past expiry`;
  return {
    profile,
    evidence: [
      `outage: ${attemptsLine}, made on a request's path (it waited for it): TTL ≈ ${formatDuration(g)}, no refresh-ahead; ${after}`,
    ],
  };
}

/** Nobody waited for the refetch: refreshed ahead of expiry; the keys lasted until F. */
function judgeBackground(o: Judged, g: number, attemptsLine: string, profile: MeasuredProfile): ProbeResult {
  const { failed, lastGood } = o;
  if (failed === undefined) {
    profile.ttlMs = { atLeast: roundMs(o.elapsed) };
    return {
      profile,
      evidence: [
        `outage: ${attemptsLine}, in the background (no request waited): refreshed ahead of expiry; valid tokens still verified ${formatDuration(o.elapsed)} after the last good fetch, so TTL (plus any stale grace) > ${formatDuration(o.elapsed)}`,
      ],
    };
  }
  const f = failed.sentAt - lastGood;
  profile.ttlMs = roundMs(f);
  profile.refreshAheadMs = roundMs(Math.max(0, f - g));
  profile.staleFallback = false;
  return {
    profile,
    evidence: [
      `outage: ${attemptsLine}, in the background (no request waited); valid tokens failed (${failed.status ?? failed.error}) from ${formatDuration(f)}: TTL ≈ ${formatDuration(f)}, refresh-ahead ≈ ${formatDuration(f - g)} (± ${EVERY_MS}ms; a stale grace, if any, is inside the TTL figure)`,
    ],
  };
}
