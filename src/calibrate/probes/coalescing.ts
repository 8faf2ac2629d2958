/**
 * Coalescing: a cold SUT meets requests needing keys behind a slow JWKS endpoint — a burst at
 * once, then one every 150 ms for longer than the fetch takes (a library that shares a fetch
 * only for a fixed window, e.g. lru-memoizer's 1 s, starts a second one for the late arrivals).
 * Coalesces = never more than one fetch in flight.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration } from '../../util/duration.ts';
import type { Exchange } from '../session.ts';
import { countOf, peakOverlap, type Probe, type ProbeContext, type ProbeResult } from './types.ts';

/** Longer than the 1 s sharing windows seen in the wild, short enough for any fetch deadline ≥ 2 s. */
const JWKS_LATENCY_MS = 1500;
const BURST = 10;
const TRICKLE_EVERY_MS = 150;

export const coalescingProbe: Probe = {
  name: 'coalescing',
  summary: `cold start, ${BURST} requests at once then one every ${TRICKLE_EVERY_MS}ms behind a ${formatDuration(JWKS_LATENCY_MS)} JWKS`,
  async run({ session, budgetMs }: ProbeContext): Promise<ProbeResult> {
    const trickleMs = Math.min(budgetMs, JWKS_LATENCY_MS + 1000);
    const timeoutMs = Math.min(budgetMs, 10_000);
    await session.fault({
      kind: 'latency',
      attributes: { ms: JWKS_LATENCY_MS },
      ttlMs: budgetMs * 3 + 30_000,
    });
    const tokens = await session.mint(BURST + Math.ceil(trickleMs / TRICKLE_EVERY_MS) + 1);
    await session.startSut(false);
    const since = Date.now();
    const pending: Promise<Exchange>[] = [];
    let next = 0;
    const take = (): string => tokens[next++ % tokens.length] ?? '';
    for (let i = 0; i < BURST; i++) pending.push(session.send(take(), timeoutMs));
    const trickleEnd = Date.now() + trickleMs;
    while (Date.now() < trickleEnd) {
      await sleep(TRICKLE_EVERY_MS);
      pending.push(session.send(take(), timeoutMs));
    }
    const answers = await Promise.all(pending);
    const fetches = await session.waitForFetches(0, 1, 2000);
    await session.clearFaults();
    await session.stopSut();

    const span = formatDuration(Math.max(...answers.map((a) => a.sentAt)) - since);
    const statuses = summarizeStatuses(answers);
    if (fetches.length === 0) {
      return {
        profile: {},
        evidence: [
          `coalescing: ${answers.length} requests over ${span} made no JWKS fetch at all (${statuses}); not measured`,
        ],
      };
    }
    const peak = peakOverlap(fetches);
    return {
      profile: { coalesces: peak === 1 },
      evidence: [
        `coalescing: ${answers.length} requests over ${span} behind a ${formatDuration(JWKS_LATENCY_MS)} JWKS → ${countOf(fetches.length, 'fetch', 'fetches')}, at most ${peak} in flight at once (${statuses})` +
          (peak > 1 ? '; requests arriving while a fetch ran started another one' : ''),
      ],
    };
  },
};

/** `200×23, 401×2` */
export function summarizeStatuses(answers: readonly Exchange[]): string {
  const counts = new Map<string, number>();
  for (const a of answers) {
    const key = a.status === undefined ? (a.error ?? 'error') : String(a.status);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k}×${n}`).join(', ');
}
