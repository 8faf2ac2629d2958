/**
 * `keystorm calibrate` through the real CLI against real SUTs: the example gateway with short,
 * known timings (hardened and naive key caches) must be measured within tolerance of what it
 * was configured with, and jose's createRemoteJWKSet with its defaults must show its documented
 * 30 s unknown-kid cooldown and 5 s fetch timeout, and a 10-minute TTL as "more than the budget".
 * Tolerances are wide on purpose: the probes' request intervals (100–200 ms) and a shared,
 * busy CI box both blur the figures.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Calibration } from '../../src/calibrate/run-calibration.ts';
import type { Timing } from '../../src/profile/index.ts';
import { pidsWithMarker, runCli, startCli } from '../e2e/cli.ts';

/** The hardened gateway with timings short enough to measure in seconds. */
const HARDENED = [
  'KEY_CACHE=hardened',
  'JWKS_TTL=3s',
  'JWKS_MIN_TTL=1s',
  'JWKS_REFRESH_AHEAD=1s',
  'JWKS_STALE_GRACE=0ms',
  'JWKS_UNKNOWN_KID_COOLDOWN=1s',
  'JWKS_FETCH_TIMEOUT=2s',
];
const NAIVE = ['KEY_CACHE=naive', 'JWKS_TTL=3s', 'JWKS_FETCH_TIMEOUT=2s', 'GATEWAY_VERIFY_TIMEOUT=5s'];

type CalibrateOutput = Calibration & { disagreements?: string[] };

async function calibrate(args: string[], timeoutMs: number): Promise<CalibrateOutput> {
  const r = await runCli(['calibrate', '--json', ...args], { timeoutMs });
  assert.equal(r.code, 0, `calibrate exited ${r.code}\n${r.stderr}\n${r.stdout}`);
  assert.match(r.stderr, /calibrate: \[1\/\d\]/, 'progress lines while it works');
  return JSON.parse(r.stdout) as CalibrateOutput;
}

function near(timing: Timing | undefined, expected: number, low: number, high: number, what: string): void {
  assert.equal(typeof timing, 'number', `${what}: expected a measured value, got ${JSON.stringify(timing)}`);
  const ms = timing as number;
  assert.ok(
    ms >= expected - low && ms <= expected + high,
    `${what}: ${ms}ms, expected ${expected}ms -${low}/+${high}`,
  );
}

const sutEnv = (pairs: string[]): string[] => pairs.flatMap((p) => ['--sut-env', p]);

describe('keystorm calibrate', () => {
  it(
    'measures the hardened gateway within tolerance of its configured timings',
    { timeout: 240_000 },
    async () => {
      const c = await calibrate(['--budget', '10s', ...sutEnv(HARDENED)], 230_000);
      const p = c.profile;
      near(p.ttlMs, 3000, 300, 900, 'ttlMs');
      // Refresh-ahead is jittered between half and all of JWKS_REFRESH_AHEAD.
      near(p.refreshAheadMs, 750, 450, 750, 'refreshAheadMs');
      near(p.unknownKidCooldownMs, 1000, 250, 600, 'unknownKidCooldownMs');
      near(p.fetchTimeoutMs, 2000, 300, 800, 'fetchTimeoutMs');
      assert.equal(c.behaviour.coalesces, true);
      assert.equal(c.behaviour.staleFallback, false);
      assert.equal(c.behaviour.keyFailureStatus, 503);
      assert.deepEqual(
        { ...p.capabilities, logPatterns: undefined },
        { scopes403: true, claimHeaders401: true, readinessReflectsKeys: true, logPatterns: undefined },
      );
      // Which of the config's two log lines the gateway printed depends on whether a failing refetch
      // came before or after expiry (stale grace 0): at least one, and only configured names.
      const printed = p.capabilities?.logPatterns ?? [];
      assert.ok(printed.length > 0, JSON.stringify(p.capabilities));
      for (const name of printed)
        assert.ok(['old-jwks-recached', 'incomplete-jwks-cached'].includes(name), name);
      assert.ok(c.evidence.length >= 5, c.evidence.join('\n'));
    },
  );

  it(
    'tells the naive gateway apart: no coalescing, no cooldown, refetch on the request path, 401',
    { timeout: 180_000 },
    async () => {
      const args = ['--budget', '8s', '--probe', 'coalescing', '--probe', 'unknown-kid', '--probe', 'outage'];
      const c = await calibrate([...args, ...sutEnv(NAIVE)], 170_000);
      const p = c.profile;
      assert.equal(c.behaviour.coalesces, false, c.evidence.join('\n'));
      assert.equal(p.unknownKidCooldownMs, 0, c.evidence.join('\n'));
      near(p.ttlMs, 3000, 300, 900, 'ttlMs');
      assert.equal(p.refreshAheadMs, 0);
      assert.equal(c.behaviour.staleFallback, false);
      assert.equal(c.behaviour.keyFailureStatus, 401);
    },
  );

  it(
    "finds jose's documented defaults: 30 s cooldown, 5 s fetch timeout, TTL beyond the budget",
    { timeout: 240_000 },
    async () => {
      const config = ['--config', 'test/fixtures/verifiers/jose-remote.config.ts'];
      const cooldown = await calibrate(
        [...config, '--budget', '34s', '--probe', 'unknown-kid', '--probe', 'hang'],
        150_000,
      );
      near(cooldown.profile.unknownKidCooldownMs, 30_000, 1000, 3000, 'unknownKidCooldownMs');
      near(cooldown.profile.fetchTimeoutMs, 5000, 500, 1500, 'fetchTimeoutMs');
      assert.equal(cooldown.behaviour.keyFailureStatus, 401);
      assert.equal(cooldown.profile.capabilities?.readinessReflectsKeys, false);
      // The config pins jose's documented defaults: the measurement must agree with every one.
      assert.deepEqual(cooldown.disagreements, [], cooldown.evidence.join('\n'));

      const ttl = await calibrate(
        [...config, '--budget', '5s', '--probe', 'outage', '--probe', 'coalescing'],
        80_000,
      );
      const bound = ttl.profile.ttlMs;
      assert.ok(typeof bound === 'object' && bound.atLeast >= 4500, `ttlMs: ${JSON.stringify(bound)}`);
      assert.equal(ttl.behaviour.coalesces, true);
      assert.deepEqual(ttl.disagreements, [], ttl.evidence.join('\n'));
    },
  );

  it(
    "renders the SUT's {{scaled …}} env at --time-scale, as keystorm run does",
    { timeout: 90_000 },
    async () => {
      // keystorm.config.ts: JWKS_UNKNOWN_KID_COOLDOWN '{{scaled 2s}}' → 2 s at time scale 1 (1 s at its default 0.5).
      const c = await calibrate(['--time-scale', '1', '--probe', 'unknown-kid', '--budget', '6s'], 80_000);
      near(c.profile.unknownKidCooldownMs, 2000, 250, 600, 'unknownKidCooldownMs');
    },
  );

  it('refuses an unknown probe, a budget out of range and an attached SUT with exit 2', async () => {
    const bad = await runCli(['calibrate', '--probe', 'ttl'], { timeoutMs: 30_000 });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(
      bad.stderr,
      /--probe: unknown ttl \(known: policies, coalescing, unknown-kid, outage, hang\)/,
    );
    const budget = await runCli(['calibrate', '--budget', '1h'], { timeoutMs: 30_000 });
    assert.equal(budget.code, 2, budget.stderr);
    assert.match(budget.stderr, /--budget: must be from 1s to 15m00s/);
    const dir = await mkdtemp(join(tmpdir(), 'keystorm-calibrate-'));
    try {
      const file = join(dir, 'attached.json');
      await writeFile(file, JSON.stringify({ sut: { url: 'http://127.0.0.1:9' } }));
      const attached = await runCli(['calibrate', '--config', file], { timeoutMs: 30_000 });
      assert.equal(attached.code, 2, attached.stderr);
      assert.match(attached.stderr, /calibrate needs a SUT it starts \(`sut.command`\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops the SUT and exits 130 when interrupted mid-probe', { timeout: 120_000 }, async () => {
    const marker = `KEYSTORM_CALIBRATE_MARKER=${process.pid}-${Date.now()}`;
    const run = startCli(['calibrate', '--probe', 'outage', '--budget', '60s', '--sut-env', marker], {
      timeoutMs: 110_000,
    });
    await run.waitFor(/outage: .* since the last good fetch/, 90_000);
    assert.ok((await pidsWithMarker(marker)).length > 0, 'the SUT should be running');
    run.child.kill('SIGINT');
    const r = await run.done;
    assert.equal(r.code, 130, r.stderr);
    assert.deepEqual(await pidsWithMarker(marker), [], 'no SUT process may outlive calibrate');
  });
});
