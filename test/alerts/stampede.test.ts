/**
 * The shipped drill-scale rules, evaluated by the real promtool over series recorded from a real
 * drill: the naive gateway's JWKS stampede fires JWKSStampedeRisk and Auth401Spike with a
 * measured time to detect, the hardened gateway under the same fault fires neither, and the
 * incident's 5xx-only rule stays silent through the 401 wave.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { MockIdp } from '../../mock-idp/index.ts';
import { HarnessError, ValidationError } from '../../src/errors.ts';
import {
  alertVerdicts,
  assertPromtool,
  attachLive,
  judgeAlerts,
  readAlertRules,
  shippedRuleFiles,
  startLivePrometheus,
  type AlertObservation,
  type AlertVerdict,
  type LivePrometheus,
} from '../../src/alerts/index.ts';
import { recordDrill, startIdp, type DrillRecording } from './drill.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));
const FIVE_XX_ONLY = fileURLToPath(
  new URL('../../alerts/examples/http-5xx-ratio.rules.yml', import.meta.url),
);

const verdict = (verdicts: readonly AlertVerdict[], alert: string): AlertVerdict => {
  const v = verdicts.find((x) => x.alert === alert);
  assert.ok(v !== undefined, `no verdict for ${alert}: ${verdicts.map((x) => x.alert).join(', ')}`);
  return v;
};

describe('alert verification over a recorded JWKS stampede', () => {
  let idp: MockIdp;
  let drill: Record<string, DrillRecording>;
  let dir: string;
  // The live route watches the naive gateway during the same drill; undefined + reason = skipped.
  let live: LivePrometheus | undefined;
  let liveSkipped: string | undefined;
  let liveObservations: Map<string, AlertObservation> | undefined;
  // The same server read as an existing one (the PROMETHEUS_URL route).
  let attached: LivePrometheus | undefined;
  let attachedObservations: Map<string, AlertObservation> | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keystorm-alerts-'));
    idp = await startIdp();
    drill = await recordDrill(idp, ['naive', 'hardened'], {
      leadInMs: 5000,
      faultMs: 15_000,
      onGatewaysUp: async (urls) => {
        try {
          live = await startLivePrometheus({
            dir: join(dir, 'live'),
            targets: [
              { job: 'sut', url: `${urls.naive ?? ''}/metrics` },
              { job: 'mock-idp', url: idp.metricsUrl },
            ],
            ruleFiles: shippedRuleFiles('drill'),
          });
        } catch (error) {
          if (error instanceof HarnessError && error.exitCode === 2) {
            liveSkipped = error.message;
            return;
          }
          throw error;
        }
        // Targets show up ~5 s after start; the fault must come after they are scraped.
        await live.waitForTargets();
        attached = attachLive(live.url);
      },
    });
    attachedObservations = await attached?.stop(drill.naive?.faultStartMs);
    liveObservations = await live?.stop(drill.naive?.faultStartMs);
  });
  after(async () => {
    await attached?.stop();
    await live?.stop();
    await idp?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const run = (strategy: string) => {
    const d = drill[strategy];
    assert.ok(d !== undefined);
    return d;
  };

  it('fires JWKSStampedeRisk and Auth401Spike on the naive gateway, each with a time to detect', async () => {
    const naive = run('naive');
    assert.ok(
      (naive.statuses['401'] ?? 0) > 20,
      `the drill produced a 401 wave: ${JSON.stringify(naive.statuses)}`,
    );
    const { verdicts, testFile } = await judgeAlerts({
      dir: join(dir, 'naive'),
      recording: naive.recording,
      ruleFiles: shippedRuleFiles('drill'),
      faultStartMs: naive.faultStartMs,
      expectAlerts: { JWKSStampedeRisk: { within: '12s' }, Auth401Spike: { within: '14s' } },
    });
    for (const alert of ['JWKSStampedeRisk', 'Auth401Spike']) {
      const v = verdict(verdicts, alert);
      assert.equal(v.status, 'pass', `${alert}: ${v.reason}`);
      assert.ok(v.timeToDetectMs !== undefined && v.timeToDetectMs > 0, `${alert} ttd ${v.timeToDetectMs}`);
      assert.ok(v.firingAtMs !== undefined);
    }
    // Auth401Spike has `for: 3s`: pending at least 3 s before it fires (JWKSStampedeRisk has no for:).
    const spike = verdict(verdicts, 'Auth401Spike');
    assert.ok(spike.pendingAtMs !== undefined && spike.firingAtMs !== undefined);
    assert.ok(spike.firingAtMs - spike.pendingAtMs >= 3000, `${spike.pendingAtMs} → ${spike.firingAtMs}`);
    assert.equal(verdict(verdicts, 'JWKSStampedeRisk').pendingAtMs, undefined);
    // The generated test file is kept and re-runnable by hand.
    assert.match(await readFile(testFile, 'utf8'), /rule_files:\n\s+- rules\/1-auth\.rules\.yml/);
    // The directory alone is enough to judge again (series.json), with the same answer.
    const again = await judgeAlerts({
      dir: join(dir, 'naive'),
      ruleFiles: shippedRuleFiles('drill'),
      faultStartMs: naive.faultStartMs,
      expectAlerts: { JWKSStampedeRisk: { within: '12s' } },
    });
    assert.equal(
      verdict(again.verdicts, 'JWKSStampedeRisk').timeToDetectMs,
      verdict(verdicts, 'JWKSStampedeRisk').timeToDetectMs,
    );
  });

  it("records keystorm's own client-side series next to the SUT's and mock-idp's", () => {
    const { series } = run('naive').recording;
    const client401 =
      series[
        'keystorm_client_requests_total{instance="keystorm",job="keystorm",kind="default",status="401"}'
      ];
    assert.ok(
      client401 !== undefined,
      Object.keys(series)
        .filter((k) => k.startsWith('keystorm_'))
        .join(', '),
    );
    // The last scrape may precede the last responses by up to one interval.
    const last = client401.at(-1) ?? 0;
    assert.ok(last > 0 && last <= (run('naive').statuses['401'] ?? 0), `client saw ${last} 401s`);
    assert.ok(Object.keys(series).some((k) => k.startsWith('up{') && k.includes('job="mock-idp"')));
    assert.ok(
      Object.keys(series).some((k) => k.startsWith('http_requests_total{') && k.includes('job="sut"')),
    );
  });

  it('fires neither on the hardened gateway under the same fault', async () => {
    const hardened = run('hardened');
    assert.equal(hardened.statuses['401'] ?? 0, 0);
    const { verdicts } = await judgeAlerts({
      dir: join(dir, 'hardened'),
      recording: hardened.recording,
      ruleFiles: shippedRuleFiles('drill'),
      faultStartMs: hardened.faultStartMs,
      silentAlerts: ['JWKSStampedeRisk', 'Auth401Spike'],
    });
    for (const alert of ['JWKSStampedeRisk', 'Auth401Spike']) {
      const v = verdict(verdicts, alert);
      assert.equal(v.status, 'pass', `${alert}: ${v.reason}`);
      assert.equal(v.fired, false);
    }
  });

  it('reports the 5xx-only error-ratio rule as not firing during the 401 wave, by name', async () => {
    const naive = run('naive');
    const { verdicts } = await judgeAlerts({
      dir: join(dir, 'five-xx'),
      recording: naive.recording,
      ruleFiles: [FIVE_XX_ONLY],
      faultStartMs: naive.faultStartMs,
    });
    const v = verdict(verdicts, 'Http5xxRatioHigh');
    assert.equal(v.fired, false);
    assert.equal(v.expected, 'observed');
    assert.equal(v.status, 'info', v.reason);
    assert.match(v.reason, /did not fire in the 1\d\.\d+s after the fault/);
  });

  it("evaluates a team's own metric names through relabel, and without it they see nothing", async () => {
    const naive = run('naive');
    const judge = (relabel?: Record<string, { from: string; labels: Record<string, string> }>) =>
      judgeAlerts({
        dir: join(dir, relabel === undefined ? 'team-plain' : 'team-relabel'),
        recording: naive.recording,
        ruleFiles: [fixture('team-401.rules.yml')],
        faultStartMs: naive.faultStartMs,
        ...(relabel === undefined ? {} : { relabel }),
      });
    const mapped = await judge({
      team_http_requests_total: { from: 'http_requests_total', labels: { code: 'status' } },
    });
    assert.equal(verdict(mapped.verdicts, 'TeamUnauthorizedBurst').fired, true);
    const plain = await judge();
    assert.equal(verdict(plain.verdicts, 'TeamUnauthorizedBurst').fired, false);
  });

  it('calls a 401 rule with production windows inconclusive in a 15-second fault, never a pass', async () => {
    const naive = run('naive');
    const { verdicts } = await judgeAlerts({
      dir: join(dir, 'production'),
      recording: naive.recording,
      ruleFiles: shippedRuleFiles('production'),
      faultStartMs: naive.faultStartMs,
      expectAlerts: { Auth401Spike: { within: '2m' } },
      silentAlerts: ['AuthLatencyDynamicHigh'],
    });
    const spike = verdict(verdicts, 'Auth401Spike');
    assert.equal(spike.status, 'inconclusive');
    assert.match(spike.reason, /could not have fired: the rule needs 6m00s \(look-back 5m00s \+ for 1m00s\)/);
    const latency = verdict(verdicts, 'AuthLatencyDynamicHigh');
    assert.equal(latency.status, 'inconclusive');
    assert.match(latency.reason, /silent, but that proves nothing/);
  });

  it('agrees with a live loopback Prometheus on which alerts fired during the same drill', async (t) => {
    if (liveObservations === undefined) {
      const reason = `live route skipped: ${liveSkipped ?? 'Prometheus did not start'}`;
      console.log(reason);
      t.skip(reason);
      return;
    }
    const naive = run('naive');
    const ruleFiles = shippedRuleFiles('drill');
    const offline = await judgeAlerts({
      dir: join(dir, 'offline-vs-live'),
      recording: naive.recording,
      ruleFiles,
      faultStartMs: naive.faultStartMs,
    });
    const liveVerdicts = alertVerdicts({
      rules: await readAlertRules(ruleFiles),
      observations: liveObservations,
      expectFiring: {},
      expectSilent: [],
      reportOthers: true,
      recordedFromMs: naive.recording.startedAtMs,
      recordedToMs: naive.recording.startedAtMs + (naive.recording.ticks - 1) * naive.recording.intervalMs,
      faultStartMs: naive.faultStartMs,
    });
    const table = offline.verdicts.map((v) => {
      const l = verdict(liveVerdicts, v.alert);
      return `${v.alert}: offline ${v.fired ? `fired +${v.timeToDetectMs}ms` : 'silent'}, live ${l.fired ? `fired +${l.timeToDetectMs}ms` : 'silent'}`;
    });
    console.log(table.join('\n'));
    // The drill's decisive alerts must agree; borderline ones are printed above.
    for (const alert of ['JWKSStampedeRisk', 'Auth401Spike']) {
      assert.equal(verdict(liveVerdicts, alert).fired, true, `live ${alert}`);
      assert.equal(verdict(offline.verdicts, alert).fired, true, `offline ${alert}`);
    }
    for (const alert of ['KeysUnavailableNotReady', 'OldJWKSRecached']) {
      assert.equal(verdict(liveVerdicts, alert).fired, verdict(offline.verdicts, alert).fired, alert);
    }
    // Reading the same server through attachLive (PROMETHEUS_URL) sees the same firings.
    const firedIn = (o: Map<string, AlertObservation> | undefined) =>
      [...(o ?? new Map<string, AlertObservation>()).values()]
        .filter((x) => x.firstFiringAtMs !== undefined)
        .map((x) => x.alert)
        .sort();
    assert.deepEqual(firedIn(attachedObservations), firedIn(liveObservations));
  });

  it("rejects a broken rule file with promtool's message and the file's path", async () => {
    const broken = fixture('broken.rules.yml');
    await assert.rejects(
      judgeAlerts({
        dir: join(dir, 'broken'),
        recording: run('naive').recording,
        ruleFiles: [FIVE_XX_ONLY, broken],
      }),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.equal(error.exitCode, 2);
        assert.equal(error.problems.length, 1);
        assert.equal(error.problems[0]?.path, broken);
        assert.match(error.problems[0]?.message ?? '', /parse error|unclosed|unexpected/i);
        return true;
      },
    );
  });

  it('says promtool is missing, with exit 2, instead of skipping', async () => {
    await assert.rejects(assertPromtool(join(dir, 'no-such-promtool')), /needs Prometheus's promtool/);
    assert.match(await assertPromtool(), /^promtool, version/);
    await assert.rejects(
      judgeAlerts({
        dir: join(dir, 'missing'),
        recording: run('naive').recording,
        ruleFiles: shippedRuleFiles('drill'),
        expectAlerts: { JWKSStampedeRisk: { within: '90s' } },
        promtool: join(dir, 'no-such-promtool'),
      }),
      (error: unknown) => {
        assert.ok(error instanceof HarnessError);
        assert.equal(error.exitCode, 2);
        assert.match(
          error.message,
          /needs Prometheus's promtool.*apt-get install --no-install-recommends prometheus/s,
        );
        return true;
      },
    );
  });

  it('lists every bad expectation by path in one pass', async () => {
    await assert.rejects(
      judgeAlerts({
        dir: join(dir, 'unknown'),
        recording: run('hardened').recording,
        ruleFiles: shippedRuleFiles('drill'),
        expectAlerts: { NoSuchAlert: { within: '1m' }, JWKSStampedeRisk: { within: 'soon' } },
        silentAlerts: ['AlsoMissing'],
      }),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.deepEqual(
          error.problems.map((p) => p.path),
          ['expectAlerts.JWKSStampedeRisk.within', 'expectAlerts.NoSuchAlert', 'silentAlerts[0]'],
        );
        return true;
      },
    );
  });
});
