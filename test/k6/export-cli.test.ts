/**
 * `keystorm k6 export` through the real binary: what it writes and how it refuses bad usage.
 * No k6 binary exists on these machines; the export needs none.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../e2e/cli.ts';
import type { CliResult } from '../e2e/cli.ts';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';

const keystorm = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
  runCli(args, { timeoutMs: 60_000, env });

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keystorm-k6-cli-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('keystorm k6 export (the real CLI)', () => {
  it('writes the scenario script and a TestRun with the asked parallelism', async () => {
    const out = join(dir, 'ok');
    const ran = await keystorm(['k6', 'export', 'jwks-outage-*', '--out', out, '--parallelism', '4']);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /wrote .*jwks-outage-warm-cache\.ts/);
    assert.deepEqual((await readdir(out)).sort(), [
      'README.md',
      'jwks-outage-warm-cache.testrun.yaml',
      'jwks-outage-warm-cache.ts',
      'tsconfig.json',
    ]);
    const testRun = parse(await readFile(join(out, 'jwks-outage-warm-cache.testrun.yaml'), 'utf8')) as {
      kind: string;
      spec: { parallelism: number; arguments: string; script: { configMap: { file: string } } };
    };
    assert.equal(testRun.kind, 'TestRun');
    assert.equal(testRun.spec.parallelism, 4);
    assert.equal(testRun.spec.script.configMap.file, 'jwks-outage-warm-cache.ts');
    assert.match(testRun.spec.arguments, /--out json=\/keystorm\/.*\$\(POD_NAME\)\.ndjson\.gz/);
  });

  it('reads the config --config names and scales the drill by --time-scale', async () => {
    const config = join(dir, 'elsewhere.config.json');
    await writeFile(config, JSON.stringify({ sut: { url: 'http://127.0.0.1:9999' }, timeScale: 0.5 }));
    const half = join(dir, 'half');
    const full = join(dir, 'full');
    assert.equal((await keystorm(['k6', 'export', 'baseline', '--config', config, '--out', half])).code, 0);
    const scaled = await keystorm([
      'k6',
      'export',
      'baseline',
      '--config',
      config,
      '--time-scale',
      '1',
      '--out',
      full,
    ]);
    assert.equal(scaled.code, 0, scaled.stderr);
    const halfScript = await readFile(join(half, 'baseline.ts'), 'utf8');
    const fullScript = await readFile(join(full, 'baseline.ts'), 'utf8');
    assert.match(halfScript, /KEYSTORM_TARGET_URL \?\? "http:\/\/127\.0\.0\.1:9999"/);
    assert.match(halfScript, /"duration": ?"6s"/);
    assert.match(fullScript, /"duration": ?"12s"/);
  });

  it('exports a scenario with browser journeys without Chromium, naming journeys and alerts for keystorm', async () => {
    const file = join(dir, 'browser-drill.json');
    await writeFile(
      file,
      JSON.stringify({
        name: 'browser-drill',
        hypothesis: 'Journeys and alerts stay with keystorm.',
        load: { phases: [{ name: 'steady', rate: 5, duration: '2s' }] },
        journeys: [{ spec: 'scenarios/browser/ask-answer.spec.ts', every: '10s' }],
        expectAlerts: { JWKSStampedeRisk: { within: '90s' } },
        slos: [{ metric: 'journey_success_rate', threshold: 'rate==1' }],
      }),
    );
    const out = join(dir, 'browser');
    // A Chromium that does not exist: a run would stop with exit 2, an export must not care.
    const ran = await keystorm(['k6', 'export', file, '--out', out], {
      KEYSTORM_CHROMIUM: join(dir, 'no-chromium'),
    });
    assert.equal(ran.code, 0, ran.stderr);
    const script = await readFile(join(out, 'browser-drill.ts'), 'utf8');
    assert.match(
      script,
      /browser journey scenarios\/browser\/ask-answer\.spec\.ts every 10s \(keystorm runs it\)/,
    );
    assert.match(script, /alert JWKSStampedeRisk fires within 90s/);
    assert.match(script, /journey_success_rate rate==1 @ run: journey_success_rate is measured by keystorm/);
  });

  it('exits 2 naming an unknown scenario, and writes nothing', async () => {
    const out = join(dir, 'unknown');
    const ran = await keystorm(['k6', 'export', 'baseline', 'no-such-drill', '--out', out]);
    assert.equal(ran.code, 2);
    assert.match(ran.stderr, /no-such-drill/);
    await assert.rejects(readdir(out));
  });

  it('exits 2 without a scenario, on an unknown subcommand and on a bad --parallelism', async () => {
    assert.equal((await keystorm(['k6', 'export'])).code, 2);
    const unknown = await keystorm(['k6', 'import']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown subcommand "import"/);
    const bad = await keystorm(['k6', 'export', 'baseline', '--parallelism', '0', '--out', join(dir, 'p')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--parallelism/);
  });
});
