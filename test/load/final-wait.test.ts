import assert from 'node:assert/strict';
import { after as afterAll, before, describe, it } from 'node:test';
import { runLoad } from '../../src/load/index.ts';
import type { LoadResult } from '../../src/load/index.ts';
import { MAX_BUSY_BLOCK_MS } from '../../src/load/waker.ts';
import { startTestServer } from './servers.ts';
import type { TestServer } from './servers.ts';

/** Runs `fn` counting the blocking waits (Atomics.wait calls) it makes, and the longest asked. */
async function countingBlocks<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; blocks: number; longestMs: number }> {
  const original = Atomics.wait;
  let blocks = 0;
  let longestMs = 0;
  Atomics.wait = ((...args: Parameters<typeof Atomics.wait>) => {
    blocks++;
    longestMs = Math.max(longestMs, args[3] ?? Infinity);
    return original(...args);
  }) as typeof Atomics.wait;
  try {
    return { result: await fn(), blocks, longestMs };
  } finally {
    Atomics.wait = original;
  }
}

describe("the open model's final wait", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('never blocks the event loop by default (mock-idp and the proxy may share it)', async () => {
    const { result, blocks } = await countingBlocks(() =>
      runLoad({ target: server.url, phases: [{ type: 'constant-arrival', rate: 100, duration: '300ms' }] }),
    );
    assert.equal(result.summary.totals.started, 30);
    assert.equal(blocks, 0);
  });

  it("blocks for the last moment before starts with finalWait: 'block', and holds the rate", async () => {
    const { result, blocks } = await countingBlocks(() =>
      runLoad({
        target: server.url,
        phases: [{ type: 'constant-arrival', rate: 100, duration: '300ms' }],
        finalWait: 'block',
      }),
    );
    assert.equal(result.summary.totals.started, 30);
    assert.ok(blocks > 0, 'no blocking wait was made');
  });

  it('blocks through a whole gap between starts only while no request is in flight', async () => {
    const run = (target: string): ReturnType<typeof countingBlocks<LoadResult>> =>
      countingBlocks(() =>
        runLoad({
          target,
          phases: [{ type: 'constant-arrival', rate: 20, duration: '400ms' }],
          finalWait: 'block',
        }),
      );
    // Answered at once: between starts nothing is in flight, and the gap (50 ms) is waited for
    // in blocking waits longer than the 2 ms step.
    const idle = await run(server.url);
    assert.equal(idle.result.summary.totals.started, 8);
    assert.ok(idle.longestMs > 2, `longest blocking wait ${idle.longestMs} ms`);
    // Answered after 300 ms: a request is always in flight, so no blocking wait may delay its
    // response by more than the short busy step.
    const slow = await startTestServer((_req, res) => setTimeout(() => res.end('ok'), 300));
    try {
      const busy = await run(slow.url);
      assert.equal(busy.result.summary.totals.started, 8);
      assert.ok(
        busy.blocks > 0 && busy.longestMs <= MAX_BUSY_BLOCK_MS,
        `longest blocking wait ${busy.longestMs} ms`,
      );
    } finally {
      await slow.close();
    }
  });

  it('rejects an unknown finalWait by name', async () => {
    await assert.rejects(
      () =>
        runLoad({
          target: server.url,
          phases: [{ type: 'pause', duration: 1 }],
          finalWait: 'spin' as 'block',
        }),
      /finalWait/,
    );
  });
});
