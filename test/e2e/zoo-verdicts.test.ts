/**
 * Verdicts on a verifier we did not write: the zoo's jwks-rsa service (library defaults: a
 * 10-minute per-kid cache, no cooldown, no coalescing past 1 s; docs/verifier-zoo.md), with its
 * documented profile pinned. Expected before running, from the library's source:
 * - auth-edge-cases passes: the header and scope rows are not sent (the service has neither
 *   policy) and are reported n/a, never as security failures;
 * - jwks-outage-warm-cache and partial-outage are skipped: at a 10-minute TTL an outage that
 *   outlasts the cache would take longer than the budget — skipped with the reason, never the
 *   empty pass they were before (the cache never expired inside an 8 s outage);
 * - unknown-kid-flood fails on FM5: one JWKS fetch per random kid.
 * Then the run as a whole is a breach (exit 1), and no verdict is inconclusive.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunResult } from '../../src/result/types.ts';
import { runCli } from './cli.ts';

describe('verdicts on a verifier built on jwks-rsa', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keystorm-zoo-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it(
    'judges by its own timings: skips what cannot fit, n/a for missing policies, fails FM5',
    { timeout: 240_000 },
    async () => {
      const out = join(dir, 'jwks-rsa');
      const r = await runCli(
        [
          'run',
          '--config',
          'test/fixtures/verifiers/jwks-rsa.config.ts',
          'auth-edge-cases',
          'jwks-outage-warm-cache',
          'partial-outage',
          'unknown-kid-flood',
          '--time-scale',
          '1',
          '--out',
          out,
          '--reporter',
          'json',
        ],
        { timeoutMs: 230_000 },
      );
      const run = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunResult;
      const by = Object.fromEntries(run.scenarios.map((s) => [s.name, s]));
      const report = run.scenarios.map((s) => `${s.name}: ${s.status} ${s.skipReason ?? ''}`).join('\n');
      assert.equal(by['auth-edge-cases']?.status, 'passed', report);
      const omitted = by['auth-edge-cases']?.omittedKinds?.map((k) => k.kind) ?? [];
      assert.deepEqual(omitted.sort(), ['header-mismatch', 'header-missing', 'missing-scope']);
      for (const name of ['jwks-outage-warm-cache', 'partial-outage']) {
        assert.equal(by[name]?.status, 'skipped', report);
        assert.match(by[name]?.skipReason ?? '', /ttl 10m00s.*budget/);
      }
      const flood = by['unknown-kid-flood'];
      assert.equal(flood?.status, 'failed', report);
      const breached = flood?.slos
        .filter((v) => v.status === 'fail')
        .map((v) => `${v.metric}:${v.failureMode ?? ''}`);
      assert.ok(breached?.includes('jwks_fetch_rate_per_instance:FM5'), JSON.stringify(breached));
      assert.equal(r.code, 1, r.stderr.slice(-2000));
      assert.ok(
        run.scenarios.every((s) => s.status !== 'inconclusive' && s.status !== 'error'),
        report,
      );
    },
  );
});
