/**
 * Browser journeys end to end: mock-idp and the example gateway as real servers, the journey
 * spec run by the driver through the Playwright CLI in the installed Chromium. The fixed page on
 * the hardened gateway passes; the seed's bug fails with "answer replaced by error" and leaves a
 * screenshot and a trace; during a JWKS outage the naive cache breaks the journey SLO while the
 * hardened one keeps it.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createJourneyMetricSource, startJourneys, withJourneyMetrics } from '../../src/journeys/index.ts';
import type { JourneySample } from '../../src/journeys/index.ts';
import { createMemorySource, evaluateSlos, resolveSlos } from '../../src/slo/index.ts';
import { startJourneyStack, type JourneyStack } from './stack.ts';

const SPEC = 'scenarios/browser/ask-answer.spec.ts';
const reportDirs: string[] = [];

function reportDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keystorm-journeys-'));
  reportDirs.push(dir);
  return dir;
}

/** Runs the journey `runs` times, one right after the other, and returns the samples. */
async function runJourney(stack: JourneyStack, runs: number, dir = reportDir()): Promise<JourneySample[]> {
  const driver = startJourneys({
    journeys: [{ spec: SPEC, every: '1s' }],
    baseUrl: stack.gateway.url,
    reportDir: dir,
    maxRunsPerJourney: runs,
    timeoutMs: 30_000,
    // Longer than the follow-up delay (200 ms) plus the follow-up call, with room for a busy CI box.
    env: { KEYSTORM_JOURNEY_SETTLE_MS: '1000' },
  });
  while (driver.samples.length < runs) await new Promise((r) => setTimeout(r, 200));
  await driver.stop();
  return [...driver.samples];
}

/** Verifies a token at the gateway once, so its key cache is warm before the outage. */
async function warmCache(stack: JourneyStack): Promise<void> {
  const token = await fetch(stack.idp.urlsFor('gitlab').tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'warm-up' }),
  });
  const { access_token: accessToken } = (await token.json()) as { access_token: string };
  const verified = await fetch(`${stack.gateway.url}/api/auth/verify`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  assert.equal(verified.status, 200, 'the gateway verifies tokens before the outage');
}

/** The journey SLO over the samples, judged like a scenario's. */
function judgeJourneySlo(samples: readonly JourneySample[]): { status: string; observed: unknown } {
  const slos = resolveSlos([{ metric: 'journey_success_rate', threshold: 'rate>0.9' }]);
  const source = withJourneyMetrics(
    createMemorySource(),
    createJourneyMetricSource(() => samples),
  );
  const [result] = evaluateSlos(slos, source, [{ name: 'run', kind: 'run', fromMs: 0, toMs: 3_600_000 }]);
  assert.ok(result !== undefined);
  return { status: result.status, observed: result.observed };
}

describe('browser journeys', { concurrency: false }, () => {
  after(() => {
    for (const dir of reportDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('passes on the hardened gateway with the fixed page, across a token refresh', async () => {
    const stack = await startJourneyStack();
    try {
      const dir = reportDir();
      const [sample] = await runJourney(stack, 1, dir);
      assert.equal(sample?.outcome, 'passed', sample?.failure);
      assert.ok((sample?.durationMs ?? 0) > 0);
      assert.equal(existsSync(join(dir, 'journeys', 'ask-answer-1')), false, 'a passed run leaves nothing');
    } finally {
      await stack.close();
    }
  });

  it('fails with "answer replaced by error", naming both, when the seed bug is on', async () => {
    const stack = await startJourneyStack({ GATEWAY_PAGE_SEED_BUG: 'true' });
    try {
      const [sample] = await runJourney(stack, 1);
      assert.equal(sample?.outcome, 'failed');
      assert.match(sample?.failure ?? '', /answer replaced by error/);
      assert.match(sample?.failure ?? '', /the answer "Hello journey-user: .*"/);
      assert.match(sample?.failure ?? '', /then the error "Error: Error code A1001/);
      assert.ok(sample?.screenshot !== undefined && existsSync(sample.screenshot), 'screenshot saved');
      assert.ok(sample?.trace !== undefined && existsSync(sample.trace), 'trace saved');
    } finally {
      await stack.close();
    }
  });

  for (const [cache, expected] of [
    ['naive', 'fail'],
    ['hardened', 'pass'],
  ] as const) {
    it(`${expected === 'fail' ? 'breaks' : 'keeps'} the journey SLO with the ${cache} cache during a JWKS outage`, async () => {
      const stack = await startJourneyStack({ KEY_CACHE: cache, JWKS_TTL: '1s', JWKS_MIN_TTL: '1s' });
      try {
        await warmCache(stack);
        await stack.idp.admin.faults.add({
          kind: 'status',
          scope: { issuer: 'gitlab', endpoint: ['jwks', 'discovery'] },
          attributes: { status: 503 },
        });
        await new Promise((r) => setTimeout(r, 1500)); // past the TTL: the cache must refetch
        const samples = await runJourney(stack, 1);
        const verdict = judgeJourneySlo(samples);
        assert.equal(verdict.status, expected, JSON.stringify(samples.map((s) => s.failure ?? s.outcome)));
        if (expected === 'fail') assert.match(samples[0]?.failure ?? '', /no answer: .*HTTP 401/);
      } finally {
        await stack.close();
      }
    });
  }
});
