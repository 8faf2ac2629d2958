import assert from 'node:assert/strict';
import { after as afterAll, before, describe, it } from 'node:test';
import { runLoad } from '../../src/load/index.ts';
import { startTestServer } from './servers.ts';
import type { TestServer } from './servers.ts';

/** Runs `fn` counting the blocking waits (Atomics.wait calls) it makes. */
async function countingBlocks<T>(fn: () => Promise<T>): Promise<{ result: T; blocks: number }> {
  const original = Atomics.wait;
  let blocks = 0;
  Atomics.wait = ((...args: Parameters<typeof Atomics.wait>) => {
    blocks++;
    return original(...args);
  }) as typeof Atomics.wait;
  try {
    return { result: await fn(), blocks };
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
