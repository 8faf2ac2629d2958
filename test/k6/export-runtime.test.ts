/**
 * The code of exported scripts, executed: real mock-idp (in-process), the real example gateway
 * (a child process) and the scripts keystorm writes for its built-in scenarios, run in Node by a
 * stand-in for k6's JavaScript API (test/k6/export-k6-stand-in.ts) because no k6 binary exists
 * on these machines. It proves the scripts' own logic — tokens obtained and renewed as the token
 * pool does, minted shapes, claim headers, tags, expected statuses, the recorded metrics — not
 * k6's executors or thresholds (those are checked as data in export-mapping.test.ts).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { writeK6Scripts } from '../../src/k6/export/index.ts';
import { FAST_TIMINGS, spawnGateway } from '../gateway/spawn-gateway.ts';
import type { SpawnedGateway } from '../gateway/spawn-gateway.ts';
import { loadScript, startStandIn } from './export-k6-stand-in.ts';
import type { StandIn } from './export-k6-stand-in.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN_TOKEN = 'k6-export-runtime-test';
let dir: string;
let idp: { dataUrl: string; adminUrl: string; child: ChildProcess };
let gateway: SpawnedGateway;
let k6: StandIn;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keystorm-k6-runtime-'));
  idp = await spawnIdp();
  gateway = await spawnGateway({
    ...FAST_TIMINGS,
    GATEWAY_PROVIDERS: `gitlab=${idp.dataUrl}/gitlab,customersdot=${idp.dataUrl}/customersdot`,
    GATEWAY_AUDIENCE: 'gitlab-ai-gateway',
    GATEWAY_HEADER_CLAIMS: 'X-Gitlab-Instance-Id=gitlab_instance_id',
    KEY_CACHE: 'hardened',
  });
  await writeK6Scripts(['auth-edge-cases', 'cache-stampede'], {
    cwd: repo,
    configPath: 'keystorm.config.ts',
    outDir: join(dir, 'k6'),
  });
  k6 = startStandIn();
  Object.assign(k6.env, {
    KEYSTORM_TARGET_URL: gateway.url,
    KEYSTORM_PROVIDER_URL: idp.dataUrl,
    KEYSTORM_IDP_ADMIN_URL: idp.adminUrl,
    KEYSTORM_IDP_ADMIN_TOKEN: ADMIN_TOKEN,
  });
});
after(async () => {
  await k6.close();
  await gateway.stop();
  idp.child.kill('SIGTERM');
  if (idp.child.exitCode === null) await once(idp.child, 'exit');
  await rm(dir, { recursive: true, force: true });
});

/**
 * `keystorm idp` as a child process: the stand-in blocks this thread on every request (k6's
 * HTTP calls are synchronous), so mock-idp must not share it.
 */
async function spawnIdp(): Promise<{ dataUrl: string; adminUrl: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['bin/keystorm.mjs', 'idp', '--port', '0', '--admin-port', '0', '--seed', '3'],
    {
      cwd: repo,
      env: { ...process.env, KEYSTORM_IDP_ADMIN_TOKEN: ADMIN_TOKEN },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let dataUrl = '';
  let adminUrl = '';
  for await (const line of createInterface({ input: child.stdout })) {
    dataUrl = /^mock-idp data plane\s+(\S+)/.exec(line)?.[1] ?? dataUrl;
    adminUrl = /^mock-idp admin plane\s+(\S+)/.exec(line)?.[1] ?? adminUrl;
    if (line.startsWith('Ctrl-C')) break;
  }
  child.stdout.resume();
  assert.ok(dataUrl !== '' && adminUrl !== '', 'mock-idp printed its URLs');
  return { dataUrl, adminUrl, child };
}

/** Plays `iterations` iterations of one k6 scenario, VUs 1..vus in turn, at a fixed test time. */
function play(
  script: { default(data: unknown): void },
  data: unknown,
  scenario: string,
  iterations: number,
  vus: number,
  nowMs: number,
): void {
  Object.assign(k6.execution, { scenario, nowMs });
  for (let i = 0; i < iterations; i++) {
    Object.assign(k6.execution, { iteration: i, vu: (i % vus) + 1 });
    script.default(data);
  }
}

const auxRequests = (aux: string): number => k6.requests.filter((r) => r.tags.keystorm_aux === aux).length;

describe('exported scripts, executed against mock-idp and the example gateway', () => {
  it('auth-edge-cases: every kind is sent tagged, gets the status keystorm expects, and is recorded', async () => {
    const script = await loadScript(join(dir, 'k6', 'auth-edge-cases.ts'), join(dir, 'run-auth'));
    k6.requests.length = 0;
    k6.samples.length = 0;
    const data = script.setup();
    assert.equal(auxRequests('token'), 8, 'setup obtains one token per client of the pooled issuer');
    play(script, data, 'mixed', 250, 4, 1000);
    const sut = k6.requests.filter((r) => r.tags.kind !== undefined);
    assert.equal(sut.length, 250);
    const kinds = new Set(sut.map((r) => r.tags.kind));
    assert.equal(kinds.size, 14, [...kinds].join(', '));
    for (const r of sut) {
      assert.equal(r.tags.phase, 'mixed');
      assert.ok(
        r.expected?.includes(r.status),
        `${r.tags.kind} got ${r.status}, expected ${String(r.expected)}`,
      );
    }
    const unexpected = k6.samples.filter((s) => s.metric === 'keystorm_unexpected');
    assert.equal(unexpected.length, 250);
    assert.ok(unexpected.every((s) => s.value === 0 && s.tags.phase === 'mixed'));
    assert.equal(auxRequests('token'), 8, 'valid tokens are reused until due, not obtained per request');
  });

  // Reads the requests the test above sent (tests of a suite run in order).
  it('auth-edge-cases: bad shapes come from mock-idp, claim headers are sent wrong only where the kind says', () => {
    const sent = (kind: string) => k6.requests.filter((r) => r.tags.kind === kind);
    const expired = sent('expired')[0];
    const token = expired?.headers.authorization?.slice('Bearer '.length) ?? '';
    assert.ok((decodeJwt(token).exp ?? Infinity) * 1000 < Date.now(), 'an expired token is expired');
    assert.ok(auxRequests('mint') > 0);
    const valid = sent('valid')[0];
    const claims = decodeJwt(valid?.headers.authorization?.slice('Bearer '.length) ?? '');
    assert.equal(valid?.headers['x-gitlab-instance-id'], String(claims.gitlab_instance_id));
    assert.equal(sent('header-missing')[0]?.headers['x-gitlab-instance-id'], undefined);
    assert.match(sent('header-mismatch')[0]?.headers['x-gitlab-instance-id'] ?? '', /-mismatch$/);
    assert.equal(sent('no-token')[0]?.headers.authorization, undefined);
  });

  it('cache-stampede: a client renews its token at the timeline forced refresh, not before', async () => {
    const script = await loadScript(join(dir, 'k6', 'cache-stampede.ts'), join(dir, 'run-stampede'));
    k6.requests.length = 0;
    const data = script.setup();
    const tokensOf = (): string[] =>
      k6.requests.filter((r) => r.tags.kind !== undefined).map((r) => r.headers.authorization ?? '');
    play(script, data, 'warm', 3, 1, 3000);
    const before = auxRequests('token');
    play(script, data, 'rotated-burst', 3, 1, 4200);
    assert.equal(auxRequests('token'), before + 1, 'one renewal after the force-refresh at 4150 ms');
    const used = tokensOf();
    assert.notEqual(used[2], used[3], 'the request after the refresh carries the new token');
    assert.equal(used[3], used[5]);
    assert.ok(k6.requests.filter((r) => r.tags.kind !== undefined).every((r) => r.status === 200));
  });

  it('with KEYSTORM_GRANT=refresh_token a client logs in once, then renews with its refresh token', async () => {
    // Read when the script loads, as k6 reads __ENV in the init context.
    k6.env.KEYSTORM_GRANT = 'refresh_token';
    const script = await loadScript(join(dir, 'k6', 'cache-stampede.ts'), join(dir, 'run-refresh'));
    try {
      k6.requests.length = 0;
      const data = script.setup();
      const grants = (): string[] =>
        k6.requests
          .filter((r) => r.tags.keystorm_aux === 'token')
          .map((r) => new URLSearchParams(r.body ?? '').get('grant_type') ?? '');
      assert.deepEqual(new Set(grants()), new Set(['authorization_code']));
      play(script, data, 'after', 2, 1, 5000);
      assert.equal(grants().at(-1), 'refresh_token');
      const sut = k6.requests.filter((r) => r.tags.kind !== undefined);
      assert.ok(sut.length === 2 && sut.every((r) => r.status === 200), sut.map((r) => r.status).join(','));
    } finally {
      delete k6.env.KEYSTORM_GRANT;
    }
  });
});
