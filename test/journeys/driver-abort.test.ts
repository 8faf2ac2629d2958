/**
 * Interrupting a drill stops its journeys at once: the run in flight is killed with its browser
 * (a cut run is no sample), and stop() returns without waiting for the journey's timeout.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startJourneys } from '../../src/journeys/index.ts';

describe('journey driver interrupted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keystorm-abort-'));
  const held: ServerResponse[] = [];
  // A SUT that never answers: the journey would wait for its whole timeout.
  const server = createServer((_req, res) => held.push(res));
  after(() => {
    for (const res of held) res.destroy();
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('kills the run in flight, keeps no sample and stops promptly', async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const abort = new AbortController();
    const driver = startJourneys({
      journeys: [{ spec: 'scenarios/browser/ask-answer.spec.ts', every: '10s' }],
      baseUrl: `http://127.0.0.1:${port}`,
      reportDir: dir,
      timeoutMs: 60_000,
      signal: abort.signal,
    });
    while (held.length === 0) await new Promise((r) => setTimeout(r, 100)); // the browser is waiting
    const aborted = performance.now();
    abort.abort();
    await driver.stop();
    assert.ok(performance.now() - aborted < 5000, 'stop() did not wait for the journey timeout');
    assert.deepEqual(driver.samples, []);
  });
});
