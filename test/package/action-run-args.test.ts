/**
 * scripts/action/run.sh (the action's run step) turns the action's inputs, given as environment
 * variables, into a keystorm command line. Here keystorm is replaced by a script that records
 * its arguments and writes a summary.json, so each input's effect is checked without a run
 * (test/package/install.test.ts runs the real thing).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../scripts/action/run.sh', import.meta.url));
let dir: string;

/** Stands in for keystorm: records argv, writes `{ status }` to --out, exits with $FAKE_EXIT. */
const FAKE = `import { mkdirSync, writeFileSync } from 'node:fs';
const args = process.argv.slice(2);
writeFileSync('argv.json', JSON.stringify(args));
const out = args[args.indexOf('--out') + 1];
mkdirSync(out, { recursive: true });
writeFileSync(out + '/summary.json', JSON.stringify({ status: process.env.FAKE_STATUS }));
process.exit(Number(process.env.FAKE_EXIT));
`;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'keystorm-action-'));
  writeFileSync(join(dir, 'fake-keystorm.mjs'), FAKE);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function runStep(env: Record<string, string>): {
  args: string[];
  outputs: Record<string, string>;
  log: string;
} {
  const outputs = join(dir, 'outputs');
  writeFileSync(outputs, '');
  rmSync(join(dir, 'argv.json'), { force: true });
  const result = spawnSync('bash', [SCRIPT], {
    cwd: dir,
    encoding: 'utf8',
    env: {
      PATH: process.env['PATH'] ?? '',
      GITHUB_OUTPUT: outputs,
      KEYSTORM_COMMAND: `${process.execPath} fake-keystorm.mjs`,
      FAKE_EXIT: '0',
      FAKE_STATUS: 'passed',
      ...env,
    },
  });
  assert.equal(result.status, 0, result.stderr);
  const lines = readFileSync(outputs, 'utf8').split('\n').filter(Boolean);
  let args: string[] = [];
  try {
    args = JSON.parse(readFileSync(join(dir, 'argv.json'), 'utf8')) as string[];
  } catch {
    // keystorm was not started
  }
  return {
    args,
    outputs: Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])),
    log: result.stdout,
  };
}

describe('the action run step', () => {
  it('passes every run input to keystorm run and always adds the json and markdown reporters', () => {
    const { args, outputs, log } = runStep({
      KEYSTORM_CONFIG: 'ci/keystorm.config.ts',
      KEYSTORM_SCENARIOS: 'baseline  auth-*',
      KEYSTORM_TIME_SCALE: '0.5',
      KEYSTORM_REPORTERS: 'console,junit json',
      KEYSTORM_SUT_ENV: 'KEY_CACHE=naive\nGREETING=hello world\n\nAPI_KEY=s3cret\n',
      KEYSTORM_OUT: 'out/gate',
      KEYSTORM_DURATION: '5m',
      FAKE_EXIT: '1',
      FAKE_STATUS: 'failed',
    });
    assert.deepEqual(args, [
      'run',
      '--out',
      'out/gate',
      '--config',
      'ci/keystorm.config.ts',
      '--time-scale',
      '0.5',
      '--reporter',
      'console',
      '--reporter',
      'junit',
      '--reporter',
      'json',
      '--reporter',
      'markdown',
      '--sut-env',
      'KEY_CACHE=naive',
      '--sut-env',
      'GREETING=hello world',
      '--sut-env',
      'API_KEY=s3cret',
      'baseline',
      'auth-*',
    ]);
    assert.deepEqual(outputs, { 'exit-code': '1', status: 'failed', 'report-dir': join(dir, 'out/gate') });
    assert.doesNotMatch(log, /s3cret|naive/, 'SUT env values are not echoed');
  });

  it('gives keystorm canary only --config, --out and --duration', () => {
    const { args, outputs } = runStep({
      KEYSTORM_SUBCOMMAND: 'canary',
      KEYSTORM_CONFIG: 'canary.config.ts',
      KEYSTORM_DURATION: '10m',
      KEYSTORM_SCENARIOS: 'baseline',
      KEYSTORM_REPORTERS: 'console',
      KEYSTORM_SUT_ENV: 'A=b',
      KEYSTORM_TIME_SCALE: '0.5',
    });
    assert.deepEqual(args, [
      'canary',
      '--out',
      'reports/keystorm',
      '--config',
      'canary.config.ts',
      '--duration',
      '10m',
    ]);
    assert.equal(outputs['exit-code'], '0');
    assert.equal(outputs['status'], 'passed');
  });

  it('refuses an unknown command with exit code 2 without starting keystorm', () => {
    const { args, outputs } = runStep({ KEYSTORM_SUBCOMMAND: 'rm -rf' });
    assert.deepEqual(args, []);
    assert.deepEqual(outputs, { 'exit-code': '2', status: 'error' });
  });

  it('reports status error when keystorm leaves no summary (and ignores an old one)', () => {
    writeFileSync(join(dir, 'fake-keystorm.mjs'), 'process.exit(3);\n');
    try {
      const { outputs } = runStep({ KEYSTORM_OUT: 'out/gate' });
      assert.deepEqual([outputs['exit-code'], outputs['status']], ['3', 'error']);
    } finally {
      writeFileSync(join(dir, 'fake-keystorm.mjs'), FAKE);
    }
  });
});
