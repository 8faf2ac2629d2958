/**
 * How `keystorm k6 export` maps a declarative scenario onto k6: executors and start times,
 * thresholds and their zero-sample guards, tags, expected statuses, token events and URLs. Each
 * test writes a real config and scenario file and exports them as a user would. No k6 binary
 * exists on these machines (there is no Debian package and npm's `k6` is an empty placeholder),
 * so the scripts are checked as data and by the type checker, not run.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ValidationError } from '../../src/errors.ts';
import { exportModels, writeK6Scripts } from '../../src/k6/export/index.ts';
import type { ExportModel } from '../../src/k6/export/model.ts';
import { SCENARIO } from './export-fixture.ts';

let dir: string;

const CONFIG = {
  idp: { issuers: ['gitlab'], port: 4100, adminPort: 4101 },
  sut: {
    url: 'http://127.0.0.1:9999',
    request: { method: 'POST', path: '/v1/{{claims.sub}}', headers: { 'X-Instance': '{{claims.iid}}' } },
  },
  load: { connections: 12, requestTimeout: '4s' },
  timeScale: 0.5,
};

async function model(): Promise<ExportModel> {
  const [m] = await exportModels([join(dir, 'mapping-drill.json')], { cwd: dir });
  assert.ok(m);
  return m;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keystorm-k6-mapping-'));
  await writeFile(join(dir, 'keystorm.config.json'), JSON.stringify(CONFIG));
  await writeFile(join(dir, 'mapping-drill.json'), JSON.stringify(SCENARIO));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('k6 export: load phases as k6 scenarios', () => {
  it('keeps arrival rates and lays the phases end to end at the run time scale', async () => {
    const { scenarios } = await model();
    assert.deepEqual(
      scenarios.map((s) => [s.key, s.config.startTime]),
      [
        ['warm', '0s'],
        ['stampede', '6s'],
        ['ramp', '7500ms'],
        ['closed', '9500ms'],
      ],
    );
    assert.deepEqual(scenarios[0]?.config, {
      executor: 'constant-arrival-rate',
      rate: 30,
      timeUnit: '1s',
      duration: '5s',
      preAllocatedVUs: 12,
      maxVUs: 12,
      gracefulStop: '4s',
      startTime: '0s',
      tags: { phase: 'warm' },
    });
  });

  it('releases a burst as one iteration per VU, all at the phase start', async () => {
    const burst = (await model()).scenarios.find((s) => s.phase === 'stampede');
    assert.equal(burst?.config.executor, 'shared-iterations');
    assert.equal(burst?.config.vus, 50);
    assert.equal(burst?.config.iterations, 50);
  });

  it('writes a fractional rate as whole iterations per longer time unit', async () => {
    const ramp = (await model()).scenarios.find((s) => s.phase === 'ramp');
    assert.equal(ramp?.config.executor, 'ramping-arrival-rate');
    assert.equal(ramp?.config.startRate, 5);
    assert.equal(ramp?.config.timeUnit, '10s');
    assert.deepEqual(ramp?.config.stages, [{ target: 200, duration: '2s' }]);
  });

  it('plays a closed phase with its virtual users', async () => {
    const closed = (await model()).scenarios.find((s) => s.phase === 'closed');
    assert.equal(closed?.config.executor, 'constant-vus');
    assert.equal(closed?.config.vus, 5);
    assert.equal(closed?.config.duration, '1s');
  });
});

describe('k6 export: SLOs as thresholds', () => {
  it('judges whole-run and per-phase SLOs in k6, each with a count>0 guard unless empty is allowed', async () => {
    const { thresholds } = (await model()).thresholds;
    assert.deepEqual(thresholds['keystorm_unexpected'], ['rate<0.01']);
    assert.deepEqual(thresholds['keystorm_request_duration{kind:valid,phase:warm}'], ['p(95)<500']);
    assert.deepEqual(thresholds['keystorm_requests{kind:valid,phase:warm}'], ['count>0']);
    assert.deepEqual(thresholds['keystorm_requests'], ['count>0']);
    assert.deepEqual(thresholds['keystorm_status_401{phase:ramp}'], ['rate==0']);
    assert.equal(thresholds['keystorm_requests{phase:ramp}'], undefined);
  });

  it('keeps abortOnFail and its delay (real time, as keystorm judges it live), and judges dropped starts by the k6 scenario', async () => {
    const { thresholds } = (await model()).thresholds;
    assert.deepEqual(thresholds['keystorm_status_5xx'], [
      { threshold: 'rate<0.1', abortOnFail: true, delayAbortEval: '2s' },
    ]);
    assert.deepEqual(thresholds['dropped_iterations{scenario:stampede}'], ['count==0']);
    assert.deepEqual(thresholds['keystorm_requests{phase:stampede}'], ['count>0']);
  });

  it('leaves IdP metrics, fault windows, baseline, warn-only and n/a SLOs to keystorm, with the reason', async () => {
    const { judgedByKeystorm } = (await model()).thresholds;
    const reason = (prefix: string): string | undefined =>
      judgedByKeystorm.find((j) => j.slo.startsWith(prefix))?.reason;
    assert.match(reason('jwks_fetches') ?? '', /measured by keystorm/);
    assert.match(reason('unexpected_rate rate<0.05') ?? '', /during:outage is a fault/);
    assert.match(reason('requests') ?? '', /baseline/);
    assert.match(reason('error_rate') ?? '', /warn-only/);
    assert.match(reason('status_403_rate') ?? '', /not applicable/);
    assert.match(reason('request_duration{kind:fresh}') ?? '', /token's state/);
    assert.equal(judgedByKeystorm.length, 6);
  });
});

describe('k6 export: kinds, tokens and the script', () => {
  it('sends each kind with the statuses keystorm expects and leaves out kinds the SUT cannot be judged on', async () => {
    const m = await model();
    const warm = m.mixes.warm ?? [];
    assert.deepEqual(
      warm.map((k) => [k.kind, k.token, k.headers, k.expect]),
      [
        ['valid', 'pool', 'ok', [200]],
        ['expired', 'expired', 'ok', [401]],
        ['header-missing', 'pool', 'omit', [401]],
        ['careless', 'pool-reused', 'ok', [200]],
      ],
    );
    assert.deepEqual(
      m.omittedKinds.map((k) => k.kind),
      ['missing-scope'],
    );
    assert.deepEqual(m.claimHeaders, ['x-instance']);
    assert.equal(m.mixes.quiet, undefined);
  });

  it('renews tokens at forced refreshes and expiries, and mints again after key changes, in run time', async () => {
    const m = await model();
    assert.deepEqual(m.renewals, [
      { atMs: 2000, spreadMs: 0 },
      { atMs: 3000, spreadMs: 1000 },
    ]);
    assert.deepEqual(m.remintAtMs, [1500, 2000]);
  });

  it('defaults the URLs to the config and lets the environment override them', async () => {
    const out = join(dir, 'out');
    const [path] = await writeK6Scripts([join(dir, 'mapping-drill.json')], { cwd: dir, outDir: out });
    const script = await readFile(path ?? '', 'utf8');
    assert.match(script, /const TARGET_URL = __ENV\.KEYSTORM_TARGET_URL \?\? "http:\/\/127\.0\.0\.1:9999";/);
    assert.match(
      script,
      /const PROVIDER_URL = __ENV\.KEYSTORM_PROVIDER_URL \?\? "http:\/\/127\.0\.0\.1:4100";/,
    );
    assert.match(
      script,
      /const IDP_ADMIN_URL = __ENV\.KEYSTORM_IDP_ADMIN_URL \?\? "http:\/\/127\.0\.0\.1:4101";/,
    );
    assert.match(script, /tags: \{ kind: kind\.kind, token: kind\.case, phase \}/);
    assert.match(script, /responseCallback: EXPECTED\[kind\.kind\]/);
  });

  it('writes options whose thresholds, scenarios and keystorm_scenario tag are the model', async () => {
    const m = await model();
    const [path] = await writeK6Scripts([join(dir, 'mapping-drill.json')], {
      cwd: dir,
      outDir: join(dir, 'o2'),
    });
    const script = await readFile(path ?? '', 'utf8');
    const match = /export const options: Options = (\{[\s\S]*?\n\});/.exec(script);
    const options = JSON.parse(match?.[1] ?? '{}') as Record<string, unknown>;
    assert.deepEqual(options.tags, { keystorm_scenario: 'mapping-drill' });
    assert.deepEqual(options.thresholds, m.thresholds.thresholds);
    assert.deepEqual(Object.keys(options.scenarios as object), ['warm', 'stampede', 'ramp', 'closed']);
  });
});

describe('k6 export: bad input', () => {
  it('rejects an unknown scenario name, naming it', async () => {
    await assert.rejects(
      writeK6Scripts(['baseline', 'no-such-drill'], { cwd: dir, outDir: join(dir, 'never') }),
      (error: unknown) => error instanceof ValidationError && /no-such-drill/.test(error.message),
    );
  });
});
