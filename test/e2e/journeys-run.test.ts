/**
 * Browser journeys through `keystorm run`, against the example gateway's page in a real
 * Chromium: the built-in journey drills pass on the hardened gateway (a signed-in user keeps
 * working through a JWKS outage; a sign-in while the provider is down fails with a readable
 * error), and a scenario file with a journey beside its load breaches its journey SLO (exit 1)
 * when the seed's bug is on (the follow-up's failure replaces the answer), naming the finding.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunResult } from '../../src/result/types.ts';
import { ROOT, runCli } from './cli.ts';

const SCENARIO = `
export default {
  name: 'journey-beside-load',
  hypothesis: 'A signed-in user keeps getting answers while fresh-token traffic runs beside them.',
  load: { phases: [{ name: 'steady', rate: 10, duration: '14s' }] },
  journeys: [{ spec: ${JSON.stringify(join(ROOT, 'scenarios/browser/ask-answer.spec.ts'))}, every: '60s' }],
  slos: [
    { metric: 'journey_success_rate', threshold: 'rate==1' },
    { metric: 'unexpected_rate', threshold: 'rate<0.01' },
  ],
};
`;

describe('browser journeys in a scenario run', () => {
  let dir: string;
  let scenario: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keystorm-journeys-'));
    scenario = join(dir, 'journey.scenario.mjs');
    await writeFile(scenario, SCENARIO);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const play = async (
    name: string,
    env: string[],
  ): Promise<{ code: number | null; run: RunResult; stderr: string }> => {
    const out = join(dir, name);
    const args = ['run', scenario, '--time-scale', '1', '--out', out, '--reporter', 'json'];
    for (const e of env) args.push('--sut-env', e);
    const r = await runCli(args, { timeoutMs: 150_000 });
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunResult;
    return { code: r.code, run: summary, stderr: r.stderr };
  };

  it(
    'keeps a signed-in user working through a JWKS outage, and fails a sign-in cleanly while the provider is down (built-in drills)',
    { timeout: 200_000 },
    async () => {
      const out = join(dir, 'built-in');
      const r = await runCli(
        ['run', 'jwks-outage-journey', 'cold-start-journey', '--out', out, '--reporter', 'json'],
        { timeoutMs: 190_000 },
      );
      const run = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunResult;
      const [outage, coldStart] = run.scenarios;
      const show = JSON.stringify(
        run.scenarios.map((s) => ({ name: s.name, status: s.status, journeys: s.journeys, slos: s.slos })),
      );
      assert.equal(r.code, 0, `${show}\n${r.stderr.slice(-2000)}`);
      assert.equal(outage?.name, 'jwks-outage-journey');
      assert.ok((outage?.journeys ?? []).length >= 2, show);
      assert.ok(
        outage?.journeys?.every((j) => j.journey === 'ask-answer' && j.outcome === 'passed'),
        show,
      );
      assert.ok(
        outage?.preconditions.every((p) => p.met),
        show,
      );
      assert.equal(coldStart?.name, 'cold-start-journey');
      assert.equal(coldStart?.journeys?.[0]?.journey, 'sign-in-provider-down');
      assert.equal(coldStart?.journeys?.[0]?.outcome, 'passed', show);
      assert.ok(
        coldStart?.preconditions.every((p) => p.met),
        show,
      );
    },
  );

  it(
    'breaches it when the follow-up replaces the answer with an error (the seed’s bug)',
    { timeout: 160_000 },
    async () => {
      const { code, run } = await play('bug', ['GATEWAY_PAGE_SEED_BUG=true']);
      const s = run.scenarios[0];
      assert.equal(code, 1, JSON.stringify(s?.journeys));
      assert.equal(s?.status, 'failed');
      assert.equal(s?.slos.find((v) => v.metric === 'journey_success_rate')?.status, 'fail');
      assert.match(s?.journeys?.[0]?.failure ?? '', /answer replaced by error/);
    },
  );
});
