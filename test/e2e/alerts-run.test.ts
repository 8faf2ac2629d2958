/**
 * Alert verification through `keystorm run`, as users start it:
 * - the built-in `alert-detection` drill against the naive example gateway: JWKSStampedeRisk and
 *   Auth401Spike fire, each with a time to detect; a team's rule file from the config's
 *   `alerts.files`, written against their own metric names, fires through `alerts.relabel`; the
 *   incident's 5xx-only rule given with `--alerts` is reported, by name, as silent through the
 *   401 wave (the seed's detection gap). Beside it, `alert-silence` on the hardened gateway: no
 *   shipped rule fires on healthy traffic, over a recording long enough for every one of them.
 * - a config whose `alerts` section is wrong in many ways: exit 2, every problem by path.
 * - no promtool: a drill that expects alerts is exit 2 with the install command.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunResult } from '../../src/result/types.ts';
import { ROOT, runCli } from './cli.ts';

/** keystorm's own config (example gateway, time scale 0.5) with an `alerts` section added. */
function configWithAlerts(alerts: unknown): string {
  return `
import base from ${JSON.stringify(join(ROOT, 'keystorm.config.ts'))};
export default { ...base, sut: { ...base.sut, cwd: ${JSON.stringify(ROOT)} }, alerts: ${JSON.stringify(alerts)} };
`;
}

describe('alert verification in keystorm run', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keystorm-alerts-run-'));
    await writeFile(
      join(dir, 'team.config.ts'),
      configWithAlerts({
        files: [join(ROOT, 'test/alerts/fixtures/team-401.rules.yml')],
        // Their rule counts team_http_requests_total{code="401"}: our http_requests_total{status}.
        relabel: { team_http_requests_total: { from: 'http_requests_total', labels: { code: 'status' } } },
      }),
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it(
    'detects the naive stampede, fires a relabelled team rule and misses it with the 5xx-only rule; the hardened gateway stays silent on healthy traffic',
    { timeout: 280_000 },
    async () => {
      // Two runs side by side (they share nothing but the machine): the naive cache's stampede,
      // and a healthy minute on the hardened one, long enough for every shipped rule.
      const [detect, quiet] = await Promise.all([
        runCli(
          [
            'run',
            'alert-detection',
            '--config',
            join(dir, 'team.config.ts'),
            '--sut-env',
            'KEY_CACHE=naive',
            '--alerts',
            join(ROOT, 'alerts/examples/http-5xx-ratio.rules.yml'),
            '--out',
            join(dir, 'detect'),
            '--reporter',
            'json',
          ],
          { timeoutMs: 270_000 },
        ),
        runCli(['run', 'alert-silence', '--out', join(dir, 'quiet'), '--reporter', 'json'], {
          timeoutMs: 270_000,
        }),
      ]);
      const summary = async (out: string): Promise<RunResult> =>
        JSON.parse(await readFile(join(dir, out, 'summary.json'), 'utf8')) as RunResult;
      const detection = (await summary('detect')).scenarios[0];
      const alerts = detection?.alerts ?? [];
      const show = `${JSON.stringify(alerts, null, 1)}\n${detect.stderr.slice(-2000)}`;
      for (const name of ['JWKSStampedeRisk', 'Auth401Spike']) {
        const v = alerts.find((a) => a.alert === name);
        assert.equal(v?.status, 'pass', `${name}: ${show}`);
        assert.ok((v?.timeToDetectMs ?? -1) > 0, `${name}: ${JSON.stringify(v)}`);
      }
      const team = alerts.find((a) => a.alert === 'TeamUnauthorizedBurst');
      assert.equal(team?.fired, true, `the relabelled team rule: ${JSON.stringify(team)}`);
      const fiveXx = alerts.filter((a) => a.files.some((f) => f.endsWith('http-5xx-ratio.rules.yml')));
      assert.ok(fiveXx.length > 0, JSON.stringify(alerts.map((a) => a.alert)));
      for (const a of fiveXx) assert.equal(a.fired, false, `${a.alert} fired`);
      assert.equal(detection?.status, 'passed', show);
      assert.equal(detect.code, 0, detect.stderr.slice(-2000));
      // The recording is kept as scraped; the generated promtool test adds the relabelled copies.
      const kept = join(dir, 'detect', 'alerts', 'alert-detection');
      assert.ok((await readFile(join(kept, 'series.json'), 'utf8')).includes('http_requests_total'));
      const test = await readFile(join(kept, 'alerts.test.yml'), 'utf8');
      assert.ok(test.includes('team_http_requests_total{'), 'no relabelled series in alerts.test.yml');

      const silence = (await summary('quiet')).scenarios[0];
      const silent = (silence?.alerts ?? []).filter((a) => a.expected === 'silent');
      assert.equal(silent.length, 8, JSON.stringify(silence?.alerts));
      for (const a of silent) assert.equal(a.status, 'pass', `${a.alert}: ${a.reason}`);
      assert.equal(quiet.code, 0, `${JSON.stringify(silence?.slos)}\n${quiet.stderr.slice(-2000)}`);
    },
  );

  it('lists every problem of a wrong alerts section by path (exit 2)', { timeout: 60_000 }, async () => {
    const config = join(dir, 'bad.config.ts');
    await writeFile(
      config,
      configWithAlerts({
        files: ['missing.rules.yml', 42],
        relabel: {
          'http requests': 'http_requests_total',
          ok: { from: 'http_requests_total', labels: { 'b-d': 'status' } },
          other: 'not a metric!',
          third: { form: 'x' },
        },
        extra: true,
      }),
    );
    const r = await runCli(['run', 'baseline', '--config', config], { timeoutMs: 50_000 });
    assert.equal(r.code, 2, r.stderr);
    for (const line of [
      `alerts.files[0]: no such rule file: ${join(dir, 'missing.rules.yml')}`,
      'alerts.files[1]: must be a string',
      'alerts.relabel["http requests"]: must be a Prometheus metric name',
      'alerts.relabel.ok.labels.b-d: must be a Prometheus label name',
      'alerts.relabel.other: must be a Prometheus metric name',
      'alerts.relabel.third.from: is required',
      'alerts.relabel.third.form: unknown option',
      'alerts.extra: unknown option',
    ]) {
      assert.ok(r.stderr.includes(line), `missing "${line}" in:\n${r.stderr}`);
    }
  });

  it(
    'refuses a drill that expects alerts when promtool is missing (exit 2)',
    { timeout: 60_000 },
    async () => {
      const r = await runCli(['run', 'alert-detection', '--out', join(dir, 'no-promtool')], {
        timeoutMs: 50_000,
        env: { PROMTOOL: join(dir, 'no-such-promtool') },
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /promtool/);
      assert.match(r.stderr, /apt-get install --no-install-recommends prometheus/);
    },
  );
});
