/**
 * Unknown kid: a warm SUT gets a token with an unknown kid every 100 ms. Whether (and how soon)
 * the first one triggers a JWKS fetch, and the least time between the fetches that follow, is
 * the unknown-kid cooldown. A fetch for (nearly) every such token is a cooldown of 0; no fetch
 * within the budget is a cooldown longer than the time waited — never a guess.
 *
 * Some verifiers count the cooldown from the last fetch of any kind (jose: the last successful
 * one), so a first unknown-kid fetch that comes late is also measured from the warm-up fetch.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration } from '../../util/duration.ts';
import type { Exchange, Fetch } from '../session.ts';
import { countOf, median, roundMs, type Probe, type ProbeContext, type ProbeResult } from './types.ts';

const EVERY_MS = 100;
/** Fetches after the warm-up that settle the cooldown. */
const ENOUGH_FETCHES = 4;
/** Share of unknown-kid tokens followed by a fetch above which there is no cooldown at all. */
const PER_TOKEN_SHARE = 0.8;

export const unknownKidProbe: Probe = {
  name: 'unknown-kid',
  summary: `warm SUT, one unknown-kid token every ${EVERY_MS}ms`,
  async run(ctx: ProbeContext): Promise<ProbeResult> {
    const { session, budgetMs } = ctx;
    await session.startSut(true);
    const [valid] = await session.mint(1);
    const warm = await session.send(valid ?? '', Math.min(budgetMs, 10_000));
    const warmFetches = await session.waitForFetches(0, 1, 2000);
    const last = warmFetches.at(-1);
    if (last === undefined) {
      await session.stopSut();
      return {
        profile: {},
        evidence: [
          `unknown kid: the warm-up request (${warm.status ?? warm.error}) made no JWKS fetch; not measured`,
        ],
      };
    }
    const phaseStart = Date.now();
    const { fetches, sent } = await flood(ctx, phaseStart);
    await session.stopSut();
    return judge({ warmFetchEnd: last.end, phaseStart, fetches, sent, budgetMs });
  },
};

async function flood(
  { session, budgetMs }: ProbeContext,
  phaseStart: number,
): Promise<{ fetches: Fetch[]; sent: number }> {
  const tokens = await session.mint(50, 'unknown-kid');
  const pending: Promise<Exchange>[] = [];
  let fetches: Fetch[] = [];
  let lastReport = phaseStart;
  while (Date.now() - phaseStart < budgetMs) {
    const token = tokens.pop() ?? '';
    if (tokens.length === 0) tokens.push(...(await session.mint(50, 'unknown-kid')));
    pending.push(session.send(token, 5000));
    await sleep(EVERY_MS);
    if (pending.length % 5 === 0) {
      fetches = await session.fetches(phaseStart);
      if (fetches.length >= ENOUGH_FETCHES) break;
    }
    if (Date.now() - lastReport >= 5000) {
      lastReport = Date.now();
      session.progress(
        `  unknown kid: ${pending.length} tokens, ${fetches.length} fetch(es) after ${formatDuration(lastReport - phaseStart)} of ${formatDuration(budgetMs)}`,
      );
    }
  }
  await Promise.all(pending);
  return { fetches: await session.fetches(phaseStart), sent: pending.length };
}

function judge(input: {
  warmFetchEnd: number;
  phaseStart: number;
  fetches: Fetch[];
  sent: number;
  budgetMs: number;
}): ProbeResult {
  const { warmFetchEnd, phaseStart, fetches, sent } = input;
  const waited = Date.now() - phaseStart;
  const first = fetches[0];
  if (first === undefined) {
    const since = Date.now() - warmFetchEnd;
    return {
      profile: { unknownKidCooldownMs: { atLeast: roundMs(since) } },
      evidence: [
        `unknown kid: ${sent} unknown-kid tokens over ${formatDuration(waited)} made no JWKS fetch: no unknown-kid refetch within ${formatDuration(since)} of the last fetch (cooldown > ${formatDuration(since)}, or none at all)`,
      ],
    };
  }
  const firstDelay = first.start - phaseStart;
  if (fetches.length >= PER_TOKEN_SHARE * sent) {
    return {
      profile: { unknownKidCooldownMs: 0 },
      evidence: [
        `unknown kid: ${countOf(fetches.length, 'JWKS fetch', 'JWKS fetches')} for ${sent} unknown-kid tokens (first after ${formatDuration(firstDelay)}): a fetch per token, no cooldown`,
      ],
    };
  }
  return fromGaps(input, first.start - phaseStart);
}

/** Some fetches, fewer than tokens: the cooldown is the typical gap between them. */
function fromGaps(
  input: { warmFetchEnd: number; phaseStart: number; fetches: Fetch[]; sent: number },
  firstDelay: number,
): ProbeResult {
  const { warmFetchEnd, phaseStart, fetches, sent } = input;
  const first = fetches[0];
  if (first === undefined) throw new Error('fromGaps: no fetch');
  const waited = Date.now() - phaseStart;
  const gaps = fetches.slice(1).map((f, i) => f.start - (fetches[i]?.start ?? f.start));
  // A late first fetch was held back by a cooldown counted from the warm-up fetch.
  const heldBack = firstDelay > 3 * EVERY_MS + 200;
  if (heldBack) gaps.unshift(first.start - warmFetchEnd);
  const estimate = median(gaps);
  const firstLine = heldBack
    ? `the first came ${formatDuration(firstDelay)} after the first token (${formatDuration(first.start - warmFetchEnd)} after the warm-up fetch)`
    : `the first came ${formatDuration(firstDelay)} after the first token`;
  if (estimate === undefined) {
    const since = Date.now() - first.start;
    return {
      profile: { unknownKidCooldownMs: { atLeast: roundMs(since) } },
      evidence: [
        `unknown kid: 1 JWKS fetch for ${sent} unknown-kid tokens; ${firstLine}; none in the ${formatDuration(since)} after it (cooldown > ${formatDuration(since)})`,
      ],
    };
  }
  return {
    profile: { unknownKidCooldownMs: roundMs(estimate) },
    evidence: [
      `unknown kid: ${countOf(fetches.length, 'JWKS fetch', 'JWKS fetches')} for ${sent} unknown-kid tokens over ${formatDuration(waited)}; ${firstLine}; gaps ${gaps.map((g) => formatDuration(g)).join(', ')} → cooldown ≈ ${formatDuration(estimate)} (± ${EVERY_MS}ms, the token interval)`,
    ],
  };
}
