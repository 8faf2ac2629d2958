/**
 * `keystorm canary` through the real CLI against real components on loopback: the example
 * gateway started on its own, trusting a standalone `keystorm idp` that plays the real provider
 * (the canary only sees its discovery, JWKS and token endpoints), and a real Pushgateway.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { loadCanaryConfig } from '../../src/canary/config.ts';
import type { CanaryResult } from '../../src/canary/result.ts';
import { runCanary } from '../../src/canary/run-canary.ts';
import { createTokenSource } from '../../src/canary/token-source.ts';
import { reservePort } from '../../src/sut/free-port.ts';
import { runCli, startCli } from '../e2e/cli.ts';
import { FAST_TIMINGS, spawnGateway, type SpawnedGateway } from '../gateway/spawn-gateway.ts';
import {
  pushgatewayMissing,
  sample,
  startIdpProcess,
  startPushgateway,
  type IdpProcess,
  type Pushgateway,
} from './components.ts';

const CLIENT = { id: 'canary-client', secret: 'canary-secret-1' };
const SECRETS = { KEYSTORM_CANARY_CLIENT_ID: CLIENT.id, KEYSTORM_CANARY_CLIENT_SECRET: CLIENT.secret };
/** What the provider issues while all is well: the feature scope, the audience, the instance claims. */
const HEALTHY = {
  audience: 'gitlab-ai-gateway',
  scopes: ['code_suggestions', 'duo_chat'],
  claims: { gitlab_instance_id: 'inst-7', gitlab_realm: 'saas' },
};
const REFRESH_MS = 1000;

function canarySection(
  issuer: string,
  target: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    target,
    requests: [
      {
        name: 'completions',
        method: 'POST',
        path: '/v2/code/completions',
        headers: {
          'x-gitlab-instance-id': '{{claims.gitlab_instance_id}}',
          'x-gitlab-realm': '{{claims.gitlab_realm}}',
        },
        expect: [200],
      },
    ],
    token: { grant: 'client_credentials', issuer },
    interval: '250ms',
    refreshEvery: REFRESH_MS,
    window: '1s',
    negatives: { missingScope: { scope: 'duo_chat', expect: 403 } },
    maxRate: 60,
    ...extra,
  };
}

/** A headless authorization_code login at the provider (it auto-approves), for a first refresh token. */
async function loginForRefreshToken(issuer: string, clientId: string): Promise<string> {
  const redirectUri = 'http://127.0.0.1/callback';
  const authorize = new URL(`${issuer}/authorize`);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: 'offline_access code_suggestions',
    login_hint: 'canary-user',
  }).toString();
  const redirect = await fetch(authorize, { redirect: 'manual' });
  const code = new URL(redirect.headers.get('location') ?? '', authorize).searchParams.get('code');
  assert.ok(code !== null, `authorize answered ${redirect.status} without a code`);
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: clientId,
    }),
  });
  const body = (await response.json()) as { refresh_token?: string };
  assert.ok(typeof body.refresh_token === 'string', JSON.stringify(body));
  return body.refresh_token;
}

describe('keystorm canary against a deployed gateway and its real IdP', () => {
  let idp: IdpProcess;
  let gateway: SpawnedGateway;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keystorm-canary-'));
    idp = await startIdpProcess();
    await idp.admin('PATCH', '/issuers/gitlab', HEALTHY);
    await idp.admin('POST', '/issuers/gitlab/clients', {
      clientId: CLIENT.id,
      secret: CLIENT.secret,
      grants: ['client_credentials'],
    });
    gateway = await spawnGateway({ ...FAST_TIMINGS, GATEWAY_PROVIDERS: `gitlab=${idp.issuer}` });
  });
  after(async () => {
    await gateway?.stop();
    await idp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function writeConfig(name: string, config: Record<string, unknown>): { file: string; out: string } {
    const file = join(dir, `${name}.config.json`);
    const out = join(dir, name);
    writeFileSync(file, JSON.stringify({ output: { dir: out }, ...config }));
    return { file, out };
  }

  it('passes on a healthy gateway, probes near-expiry tokens, and pushes every result to the Pushgateway during the run', async (t) => {
    const missing = pushgatewayMissing();
    if (missing !== undefined) {
      if (process.env.CI === 'true')
        assert.fail(
          `the Pushgateway test cannot run: ${missing} (.ci/run must install prometheus-pushgateway)`,
        );
      t.skip(`skipped: ${missing}`);
      return;
    }
    const pushgateway: Pushgateway = await startPushgateway();
    // Short-lived tokens, so a kept token reaches its last second within the run.
    await idp.admin('PATCH', '/issuers/gitlab', { expiresIn: 3 });
    try {
      const { file, out } = writeConfig('healthy', {
        canary: canarySection(idp.issuer, gateway.url, {
          duration: '4s',
          nearExpiry: '1s',
          pushGateway: { url: pushgateway.url, job: 'canary_test', instance: 'loopback' },
        }),
      });
      const cli = startCli(['canary', '--config', file], { timeoutMs: 60_000, env: SECRETS });
      // Pushed during the run, not only at the end: the group is there while the canary still runs.
      let midRun: string | undefined;
      for (let i = 0; i < 60 && midRun === undefined; i++) {
        await sleep(100);
        const text = await pushgateway.metrics();
        if (
          (sample(text, 'keystorm_canary_running', { job: 'canary_test', instance: 'loopback' }) ?? 0) === 1
        ) {
          midRun = text;
        }
      }
      const { code, stderr } = await cli.done;
      assert.ok(midRun !== undefined, 'no push seen while the canary ran');
      assert.ok(
        (sample(midRun, 'keystorm_canary_probes_total', {
          job: 'canary_test',
          probe: 'fresh',
          outcome: '200',
        }) ?? 0) >= 1,
      );
      assert.equal(code, 0, stderr);

      const result = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as CanaryResult;
      assert.equal(result.status, 'passed');
      assert.deepEqual(result.failures, []);
      const probes = new Set(result.tallies.map((t) => t.probe));
      for (const p of ['fresh', 'refreshed', 'near-expiry', 'reused', 'no-token', 'malformed', 'alg-none']) {
        assert.ok(probes.has(p as never), `probe ${p} never ran: ${JSON.stringify(result.skipped)}`);
      }
      for (const p of ['bad-signature', 'header-missing', 'header-mismatch', 'missing-scope']) {
        assert.ok(probes.has(p as never), `probe ${p} never ran`);
      }
      const missingScope = result.tallies.find((t) => t.probe === 'missing-scope');
      assert.deepEqual(missingScope?.statuses, { '403': missingScope?.sent });
      assert.ok(result.windows.length >= 3, `windows: ${result.windows.length}`);
      assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /# keystorm canary: ✅ PASSED/);
      assert.match(readFileSync(join(out, 'junit.xml'), 'utf8'), /<testcase[^>]*near-expiry/);

      const final = await pushgateway.metrics();
      const group = { job: 'canary_test', instance: 'loopback' };
      assert.equal(sample(final, 'keystorm_canary_success', group), 1);
      assert.equal(sample(final, 'keystorm_canary_running', group), 0);
      const fresh = result.tallies.find((t) => t.probe === 'fresh');
      assert.equal(
        sample(final, 'keystorm_canary_probes_total', { ...group, probe: 'fresh', outcome: '200' }),
        fresh?.sent,
      );
      assert.equal(sample(final, 'keystorm_canary_probe_failures_total', { ...group, probe: 'fresh' }), 0);
      assert.ok(sample(final, 'keystorm_canary_window_requests', group) !== undefined);
      assert.ok(sample(final, 'push_time_seconds', group) !== undefined);
    } finally {
      await idp.admin('PATCH', '/issuers/gitlab', { expiresIn: 3600 });
      await pushgateway.stop();
    }
  });

  it('follows rotated refresh tokens with the refresh_token grant (the IdP revokes a reused one)', async () => {
    const refreshToken = await loginForRefreshToken(idp.issuer, 'rt-client');
    const { file, out } = writeConfig('refresh', {
      canary: canarySection(idp.issuer, gateway.url, {
        duration: '2500ms',
        token: { grant: 'refresh_token', issuer: idp.issuer },
        negatives: {},
      }),
    });
    const { code, stderr } = await runCli(['canary', '--config', file], {
      timeoutMs: 60_000,
      env: { KEYSTORM_CANARY_CLIENT_ID: 'rt-client', KEYSTORM_CANARY_REFRESH_TOKEN: refreshToken },
    });
    assert.equal(code, 0, stderr);
    const result = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as CanaryResult;
    assert.match(result.tokenSource, /^refresh_token at http:\/\/127\.0\.0\.1:\d+\/gitlab\/token$/);
    const fresh = result.tallies.find((t) => t.probe === 'fresh');
    assert.ok((fresh?.sent ?? 0) >= 5 && fresh?.failed === 0, JSON.stringify(result.tallies));
  });

  it('takes its tokens from a user command', async () => {
    const script = join(dir, 'token.mjs');
    writeFileSync(
      script,
      `const doc = await (await fetch(${JSON.stringify(`${idp.issuer}/.well-known/openid-configuration`)})).json();
const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: ${JSON.stringify(CLIENT.id)}, client_secret: ${JSON.stringify(CLIENT.secret)} });
const res = await fetch(doc.token_endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
process.stdout.write(await res.text());`,
    );
    const { file, out } = writeConfig('command', {
      canary: canarySection(idp.issuer, gateway.url, {
        duration: '2s',
        interval: '500ms',
        token: { grant: 'command', command: [process.execPath, script] },
        negatives: {},
      }),
    });
    const elsewhere = join(dir, 'command-out');
    const { code, stderr } = await runCli(['canary', '--config', file, '--out', elsewhere], {
      timeoutMs: 60_000,
    });
    assert.equal(code, 0, stderr);
    assert.ok(!existsSync(join(out, 'summary.json')), '--out replaces output.dir');
    const result = JSON.parse(readFileSync(join(elsewhere, 'summary.json'), 'utf8')) as CanaryResult;
    assert.equal(result.tokenSource, `command ${process.execPath} ${script}`);
    assert.ok(result.tallies.some((t) => t.probe === 'fresh' && t.sent > 0 && t.failed === 0));
  });

  it('stops on SIGINT, writes a report marked interrupted and exits 130', async () => {
    const { file, out } = writeConfig('interrupted', {
      canary: canarySection(idp.issuer, gateway.url, { duration: '60s' }),
    });
    const cli = startCli(['canary', '--config', file], { timeoutMs: 60_000, env: SECRETS });
    await cli.waitFor(/canary \S+ · \d+ probes/, 20_000);
    const sentAt = performance.now();
    cli.child.kill('SIGINT');
    const { code } = await cli.done;
    assert.equal(code, 130);
    assert.ok(performance.now() - sentAt < 10_000);
    const result = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as CanaryResult;
    assert.equal(result.status, 'interrupted');
    assert.ok(result.durationMs < 60_000);
    // Requests cut short by the interrupt say nothing about the gateway: none is a failure.
    assert.deepEqual(result.failures, []);
  });

  async function runInProcess(
    name: string,
    canary: Record<string, unknown>,
    env: Record<string, string> = SECRETS,
  ): Promise<CanaryResult> {
    const { file } = writeConfig(name, { canary });
    const resolved = await loadCanaryConfig({ file, env });
    return runCanary({ resolved, signal: new AbortController().signal });
  }

  it('sends only what the config asks for: no reused token, no negatives, no near-expiry, windows of canary.window', async () => {
    const result = await runInProcess(
      'minimal',
      canarySection(idp.issuer, gateway.url, {
        duration: '1500ms',
        interval: '200ms',
        window: '500ms',
        reusedToken: false,
        negatives: false,
        nearExpiry: false,
      }),
    );
    assert.equal(result.status, 'passed', JSON.stringify(result.failures));
    assert.deepEqual([...new Set(result.tallies.map((t) => t.probe))].sort(), ['fresh', 'refreshed']);
    assert.equal(result.reused, null);
    assert.deepEqual(result.skipped, []);
    assert.ok(result.windows.length >= 2);
    for (const w of result.windows.slice(0, -1)) assert.equal(w.toMs - w.fromMs, 500);
  });

  it('authenticates as canary.token.auth says and asks for canary.token.scope', async () => {
    await idp.admin('POST', '/issuers/gitlab/clients', {
      clientId: 'post-client',
      secret: 'post-secret',
      authMethod: 'client_secret_post',
      grants: ['client_credentials'],
    });
    const env = { KEYSTORM_CANARY_CLIENT_ID: 'post-client', KEYSTORM_CANARY_CLIENT_SECRET: 'post-secret' };
    const section = (auth: string): Record<string, unknown> =>
      canarySection(idp.issuer, gateway.url, {
        duration: '1s',
        negatives: false,
        token: { grant: 'client_credentials', issuer: idp.issuer, auth, scope: 'code_suggestions' },
      });
    const post = await runInProcess('auth-post', section('client_secret_post'), env);
    assert.equal(post.status, 'passed', JSON.stringify(post.failures));
    // The same client over Basic is refused by the IdP: a failure named after the token request.
    const basic = await runInProcess('auth-basic', section('client_secret_basic'), env);
    assert.equal(basic.status, 'failed');
    assert.ok(
      basic.failures.some((f) => f.outcome === 'token: invalid_client (401)'),
      JSON.stringify(basic.failures),
    );
    // The scope asked for is the scope granted: only code_suggestions, not the IdP's default two.
    const source = createTokenSource({
      config: {
        grant: 'client_credentials',
        issuer: idp.issuer,
        clientIdEnv: 'X',
        clientSecretEnv: 'Y',
        auth: 'client_secret_post',
        scope: 'code_suggestions',
      },
      tokenEndpoint: `${idp.issuer}/token`,
      secrets: { clientId: 'post-client', clientSecret: 'post-secret' },
      timeoutMs: 5000,
      beforeRequest: () => Promise.resolve(),
    });
    assert.equal((await source.fresh()).claims.scope, 'code_suggestions');
  });

  it('fails a probe that outlives canary.requestTimeout', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer(() => undefined); // accepts, never answers
    silent.on('connection', (socket) => sockets.add(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const { port } = silent.address() as AddressInfo;
    try {
      const started = performance.now();
      const result = await runInProcess(
        'timeout',
        canarySection(idp.issuer, `http://127.0.0.1:${port}`, {
          duration: '1s',
          interval: '500ms',
          requestTimeout: '300ms',
          negatives: false,
          reusedToken: false,
        }),
      );
      assert.equal(result.status, 'failed');
      assert.ok(
        result.failures.some((f) => f.probe === 'fresh' && f.outcome === 'timeout'),
        JSON.stringify(result.failures),
      );
      assert.ok(performance.now() - started < 5000);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('ends in error (exit 3) when the IdP cannot be discovered or the Pushgateway takes nothing, and says which', async () => {
    const closedPort = await reservePort();
    const noIdp = await runInProcess(
      'no-idp',
      canarySection(`http://127.0.0.1:${closedPort}/gitlab`, gateway.url, { duration: '1s' }),
    );
    assert.equal(noIdp.status, 'error');
    assert.equal(noIdp.exitCode, 3);
    assert.match(
      noIdp.message ?? '',
      /OIDC discovery failed: GET http:\/\/127\.0\.0\.1:\d+\/gitlab\/\.well-known\/openid-configuration/,
    );
    const noPush = await runInProcess(
      'no-push',
      canarySection(idp.issuer, gateway.url, {
        duration: '1s',
        negatives: false,
        pushGateway: { url: `http://127.0.0.1:${closedPort}` },
      }),
    );
    assert.equal(noPush.exitCode, 3);
    assert.equal(noPush.status, 'error');
    assert.match(noPush.message ?? '', /pushes to the Pushgateway failed/);
    assert.deepEqual(noPush.failures, []); // the gateway itself was fine
  });

  it('goes red within one refresh period when the IdP drops a required scope, names the 403s, while the reused token stays green', async () => {
    const { file, out } = writeConfig('stale', {
      canary: canarySection(idp.issuer, gateway.url, { duration: '5s' }),
    });
    const cli = startCli(['canary', '--config', file], { timeoutMs: 60_000, env: SECRETS });
    await cli.waitFor(/canary \S+ · \d+ probes/, 20_000);
    await sleep(1500);
    // The 2024-05-24 incident: the provider starts issuing tokens without code_suggestions.
    const changedAt = Date.now();
    await idp.admin('PATCH', '/issuers/gitlab', { scopes: ['duo_chat'] });
    const { code, stderr } = await cli.done;
    await idp.admin('PATCH', '/issuers/gitlab', HEALTHY);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /403/);

    const result = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as CanaryResult;
    assert.equal(result.status, 'failed');
    // Green before the change: every failure started after it.
    for (const f of result.failures) assert.ok(Date.parse(f.firstAt) >= changedAt - 50, JSON.stringify(f));
    const fresh403 = result.failures.find((f) => f.probe === 'fresh' && f.outcome === '403');
    assert.ok(fresh403 !== undefined, JSON.stringify(result.failures));
    assert.ok(
      Date.parse(fresh403.firstAt) - changedAt <= REFRESH_MS,
      `red after ${Date.parse(fresh403.firstAt) - changedAt}ms`,
    );
    assert.match(fresh403.detail ?? '', /code_suggestions|Unauthorized/);
    assert.ok(result.failures.some((f) => f.probe === 'refreshed' && f.outcome === '403'));
    // Only valid traffic broke: the negative cases still got their expected answers.
    assert.deepEqual(
      result.failures.filter((f) => !['fresh', 'refreshed', 'near-expiry'].includes(f.probe)),
      [],
    );
    // The seed's blind spot: the token issued before the change keeps working.
    assert.ok(result.reused !== null && result.reused.sent > 0);
    assert.equal(result.reused.failed, 0);
    assert.equal(result.reused.ok, result.reused.sent);
    // Tokens live an hour: the near-expiry probe is reported as not run, with the reason.
    assert.ok(result.skipped.some((s) => s.probe === 'near-expiry'));
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    assert.match(report, /\| fresh \| completions \| \*\*403\*\* \|/);
    assert.match(readFileSync(join(out, 'junit.xml'), 'utf8'), /<failure[^>]*403/);
  });

  it('says on a 401 whether the IdP publishes the kid: a provider signing before it publishes is named', async () => {
    await idp.admin('POST', '/issuers/gitlab/misrotations', {
      kind: 'sign-before-publish',
      options: { publishAfter: 600_000 },
    });
    try {
      const result = await runInProcess(
        'unpublished-kid',
        canarySection(idp.issuer, gateway.url, { duration: '1s', negatives: false, reusedToken: false }),
      );
      assert.equal(result.status, 'failed');
      const unknownKid = result.failures.find((f) => f.probe === 'fresh' && f.outcome === '401');
      assert.ok(unknownKid !== undefined, JSON.stringify(result.failures));
      assert.match(unknownKid.detail ?? '', /^kid \S+ is NOT in the IdP's JWKS \(\d+ keys published\) — /);
    } finally {
      await idp.admin('DELETE', '/issuers/gitlab/misrotations');
    }
  });
});
