import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { call, spawnGateway, type SpawnedGateway } from './spawn-gateway.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('gateway process', () => {
  const started: SpawnedGateway[] = [];
  after(async () => {
    await Promise.all(started.map((g) => g.stop()));
  });

  it('exits 2 and names every bad variable when the configuration is invalid', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/gateway/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', KEY_CACHE: 'clever', GATEWAY_POOL_SIZE: 'many' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 2);
    for (const name of ['KEY_CACHE', 'GATEWAY_POOL_SIZE', 'GATEWAY_PROVIDERS'])
      assert.match(stderr, new RegExp(name));
  });

  it('prints its URL, answers health, JSON 404s and stops with exit 0 on SIGTERM', async () => {
    // A provider on a closed port: the gateway must still start and stay healthy.
    const gateway = await spawnGateway({ GATEWAY_PROVIDERS: 'gitlab=http://127.0.0.1:9/gitlab' });
    started.push(gateway);
    assert.match(gateway.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await call(`${gateway.url}/health`, undefined, {}, 'GET')).status, 200);
    const missing = await call(`${gateway.url}/nope`, undefined, {}, 'GET');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error, 'not_found');
    const noToken = await call(`${gateway.url}/v1/chat`, undefined);
    assert.equal(noToken.status, 401);
    assert.equal(noToken.body.reason, 'missing_token');
    assert.equal((await call(`${gateway.url}/v1/chat`, undefined, {}, 'DELETE')).status, 405);
    assert.equal(await gateway.stop(), 0);
    assert.ok(gateway.lines.some((l) => l.msg === 'stopped'));
  });
});
