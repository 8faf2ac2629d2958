/**
 * The canary's config: every problem found in one pass, located by path (exit 2 through the
 * real CLI), and each cross-field rule — allow-listed hosts, the rate cap, the cadence, secrets
 * from the environment, templates, negative cases that cannot be made.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadCanaryConfig } from '../../src/canary/config.ts';
import { ValidationError } from '../../src/errors.ts';
import { runCli } from '../e2e/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'keystorm-canary-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ENV = { KEYSTORM_CANARY_CLIENT_ID: 'id', KEYSTORM_CANARY_CLIENT_SECRET: 'secret' };
const BASE = {
  target: 'http://127.0.0.1:8080',
  requests: [{ path: '/v2/code/completions', headers: { 'x-instance': '{{claims.instance_id}}' } }],
  token: { grant: 'client_credentials', issuer: 'http://127.0.0.1:9400/gitlab' },
};

let n = 0;
function write(config: unknown): string {
  const file = join(dir, `c${n++}.json`);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

async function problemsOf(
  config: unknown,
  options: { env?: Record<string, string>; duration?: string } = {},
): Promise<string[]> {
  try {
    await loadCanaryConfig({
      file: write(config),
      env: options.env ?? ENV,
      ...(options.duration === undefined ? {} : { duration: options.duration }),
    });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  }
  return [];
}

describe('keystorm canary config', () => {
  it('lists every problem by path in one run of the CLI and exits 2, sending nothing', async () => {
    const file = write({
      canary: {
        ...BASE,
        target: 'http://gateway.example.com',
        interval: 'soon',
        intervall: '2s',
        pushGateway: { url: 'http://pushgateway.example.com:9091' },
      },
    });
    const { code, stderr } = await runCli(['canary', '--config', file], {
      timeoutMs: 60_000,
      env: { KEYSTORM_CANARY_CLIENT_ID: 'id', KEYSTORM_CANARY_CLIENT_SECRET: '' },
    });
    assert.equal(code, 2, stderr);
    assert.match(stderr, /canary\.interval: must be a duration/);
    assert.match(stderr, /canary\.intervall: unknown option \(did you mean 'interval'\?\)/);
    assert.match(stderr, /canary\.target: gateway\.example\.com is not loopback: add it to allowHosts/);
    assert.match(stderr, /canary\.pushGateway\.url: pushgateway\.example\.com is not loopback/);
    assert.match(
      stderr,
      /canary\.token\.clientSecretEnv: environment variable KEYSTORM_CANARY_CLIENT_SECRET is not set/,
    );
  });

  it('refuses a config file without a canary section', async () => {
    assert.deepEqual(await problemsOf({}), [
      'canary: is missing: keystorm canary needs a canary section (docs/canary.md)',
    ]);
  });

  it('accepts a non-loopback target, IdP and Pushgateway once their hosts are allow-listed', async () => {
    const config = {
      allowHosts: ['gateway.example.com', 'idp.example.com', 'push.example.com'],
      canary: {
        ...BASE,
        target: 'https://gateway.example.com',
        token: { grant: 'client_credentials', issuer: 'https://idp.example.com/gitlab' },
        pushGateway: { url: 'http://push.example.com:9091', instance: 'ci' },
      },
    };
    assert.deepEqual(await problemsOf(config), []);
    const resolved = await loadCanaryConfig({ file: write(config), env: ENV });
    assert.deepEqual(resolved.secrets, { clientId: 'id', clientSecret: 'secret' });
    assert.equal(resolved.pushGateway?.job, 'keystorm_canary');
    assert.equal(resolved.canary.duration, 600_000);
    assert.equal(resolved.canary.refreshEvery, 10_000);
  });

  it('refuses a cadence that needs more requests per second than maxRate', async () => {
    const problems = await problemsOf({ canary: { ...BASE, interval: '100ms', maxRate: 10 } });
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(
      problems[0] ?? '',
      /^canary\.maxRate: the cadence needs up to \d+\.\d+ requests\/s .*more than 10/,
    );
  });

  it('refuses a duration beyond the cap, also when given with --duration', async () => {
    assert.match(
      (await problemsOf({ canary: { ...BASE, duration: '7h' } })).join('\n'),
      /canary\.duration: must be between/,
    );
    assert.match(
      (await problemsOf({ canary: BASE }, { duration: '7h' })).join('\n'),
      /canary\.duration: must be between/,
    );
    const resolved = await loadCanaryConfig({ file: write({ canary: BASE }), env: ENV, duration: '3s' });
    assert.equal(resolved.canary.duration, 3000);
  });

  it('checks the cadence, the templates and the negative cases against each other', async () => {
    const problems = await problemsOf({
      canary: {
        ...BASE,
        requests: [
          { name: 'a', path: '/x' },
          { name: 'a', path: '/y', headers: { 'x-bad': '{{nope}}' } },
        ],
        token: { grant: 'command', command: ['./token.sh'] },
        interval: '2s',
        refreshEvery: '1s',
        nearExpiry: '2s',
        negatives: { headerMissing: 401, missingScope: { scope: 'narrow' } },
        maxRate: 100,
      },
    });
    const text = problems.join('\n');
    assert.match(text, /canary\.requests\[1\]\.name: 'a' is already canary\.requests\[0\]/);
    assert.match(text, /canary\.requests\[1\]\.headers\.x-bad: unknown placeholder \{\{nope\}\}/);
    assert.match(text, /canary\.refreshEvery: must be at least canary\.interval/);
    assert.match(text, /canary\.nearExpiry: must be longer than canary\.interval/);
    assert.match(
      text,
      /canary\.negatives\.headerMissing: canary\.requests\[0\] fills no header from a claim/,
    );
    assert.match(text, /canary\.negatives\.missingScope: needs an IdP grant/);
    assert.equal(problems.length, 6, text);
  });

  it('needs the refresh token of a refresh_token source in the environment', async () => {
    const problems = await problemsOf(
      {
        canary: {
          ...BASE,
          token: {
            grant: 'refresh_token',
            issuer: 'http://127.0.0.1:9400/gitlab',
            clientSecretEnv: 'MY_SECRET',
          },
        },
      },
      { env: { KEYSTORM_CANARY_CLIENT_ID: 'id' } },
    );
    assert.deepEqual(problems, [
      'canary.token.clientSecretEnv: environment variable MY_SECRET is not set',
      'canary.token.refreshTokenEnv: environment variable KEYSTORM_CANARY_REFRESH_TOKEN is not set',
    ]);
  });
});
