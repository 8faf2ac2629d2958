import assert from 'node:assert/strict';
import { runCli } from '../e2e/cli.ts';
import type { CliResult } from '../e2e/cli.ts';
import { after, before, describe, it } from 'node:test';
import { startTestServer } from './servers.ts';
import type { TestServer } from './servers.ts';

/** Runs the real `keystorm load` binary and returns its exit code and output. */
const keystormLoad = (args: string[]): Promise<CliResult> => runCli(['load', ...args], { timeoutMs: 60_000 });

describe('keystorm load memory settings', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it("keeps V8's young generation at its initial 2 MB through a run, and reports it", async () => {
    // Several thousand requests allocate far more than 2 MB of short-lived objects: without
    // the growth cap V8 doubles the new space (to 16 MB and more in a few seconds, measured);
    // even tsx's start-up alone grows it to 4 MB.
    const ran = await keystormLoad([server.url, '--rate', '3000', '--duration', '2s', '--json']);
    assert.equal(ran.code, 0, ran.stderr);
    const report = JSON.parse(ran.stdout) as {
      totals: { requests: number };
      process?: { v8Flags: string[]; newSpaceMB: number };
    };
    assert.ok(report.totals.requests > 1000, `${report.totals.requests} requests`);
    assert.ok(report.process !== undefined, 'the --json report says what V8 made of the flags');
    assert.ok(report.process.v8Flags.includes('--semi-space-growth-factor=1'));
    assert.ok(
      report.process.newSpaceMB > 0 && report.process.newSpaceMB <= 2,
      `${report.process.newSpaceMB} MB`,
    );
  });
});
