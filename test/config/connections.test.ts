/**
 * `load.connections` means connections to each SUT replica: the scenario layer hands the number
 * to the load engine unchanged, and the engine gives every origin (replica) its own pool of that
 * many. Two real loopback replicas and a burst wider than the pool show both halves: neither
 * replica ever handles more than the number at once, and together they handle more.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/index.ts';
import { startLoad } from '../../src/load/engine.ts';
import { sharedRunSettings } from '../../src/scenario/run.ts';
import { startTestServer, type TestServer } from '../load/servers.ts';

describe('load.connections', () => {
  let replicas: TestServer[];
  before(async () => {
    const slow = (_req: unknown, res: { end: (body: string) => void }): void => {
      setTimeout(() => res.end('ok'), 150);
    };
    replicas = [await startTestServer(slow), await startTestServer(slow)];
  });
  after(() => Promise.all(replicas.map((r) => r.close())));

  it('is handed to the scenario runner as written', () => {
    const config = resolveConfig(
      {
        sut: { command: ['node', 'x.js'], url: 'http://127.0.0.1:{{port}}', replicas: 2 },
        load: { connections: 3 },
      },
      { env: {} },
    );
    assert.ok(config.sut !== null);
    assert.equal(sharedRunSettings(config, config.sut).connections, 3);
  });

  it('bounds each replica to that many requests at once, not the replicas together', async () => {
    const urls = replicas.map((r) => `${r.url}/`);
    const run = startLoad({
      target: urls[0] ?? '',
      phases: [{ type: 'burst', name: 'wide', count: 40 }],
      source: (ctx) => ({ url: urls[ctx.seq % 2] ?? '' }),
      connections: 3,
      timeout: '5s',
    });
    const result = await run.done;
    assert.equal(result.summary.totals.requests, 40);
    assert.deepEqual(
      replicas.map((r) => r.maxConcurrent),
      [3, 3],
    );
  });
});
