/** `keystorm idp` as a real process: prints discovery URLs and the token, stops on SIGINT, rejects bad flags. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { createInterface } from 'node:readline';

const BIN = new URL('../../bin/keystorm.mjs', import.meta.url).pathname;

function run(args: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof spawn> {
  return spawn(process.execPath, [BIN, 'idp', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function exit(
  child: ReturnType<typeof spawn>,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr, stdout })));
}

describe('keystorm idp', () => {
  it('prints each issuer discovery URL and the admin token, serves them, and stops cleanly on SIGINT', async () => {
    const child = run(
      [
        '--port',
        '0',
        '--admin-port',
        '0',
        '--issuer',
        'alpha',
        '--issuer',
        'beta',
        '--alg',
        'ES256',
        '--seed',
        '3',
      ],
      {
        KEYSTORM_IDP_ADMIN_TOKEN: 'cli-test-token-123',
      },
    );
    const exited = exit(child);
    const lines: string[] = [];
    const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const deadline = setTimeout(() => child.kill('SIGKILL'), 30_000);
    for await (const line of rl) {
      lines.push(line);
      if (line.startsWith('Ctrl-C')) break;
    }
    const discovery = lines.flatMap((l) => /^issuer (\S+)\s+(\S+)$/.exec(l)?.slice(1, 3) ?? []);
    assert.equal(discovery[0], 'alpha');
    assert.equal(discovery[2], 'beta');
    assert.match(
      discovery[1] ?? '',
      /^http:\/\/127\.0\.0\.1:\d+\/alpha\/\.well-known\/openid-configuration$/,
    );
    assert.ok(lines.some((l) => /^admin token\s+cli-test-token-123$/.test(l)));
    const doc = (await (await fetch(discovery[1] ?? '')).json()) as {
      jwks_uri: string;
      id_token_signing_alg_values_supported: string[];
    };
    assert.deepEqual(doc.id_token_signing_alg_values_supported, ['ES256']);
    assert.equal((await fetch(doc.jwks_uri)).status, 200);
    const adminLine = lines.find((l) => l.startsWith('mock-idp admin plane')) ?? '';
    const adminUrl = /(http:\/\/\S+)/.exec(adminLine)?.[1] ?? '';
    const issuers = await fetch(`${adminUrl}/issuers`, {
      headers: { authorization: 'Bearer cli-test-token-123' },
    });
    assert.equal(issuers.status, 200);

    const stoppedAt = performance.now();
    child.kill('SIGINT');
    const { code, stdout } = await exited;
    clearTimeout(deadline);
    assert.equal(code, 0);
    assert.match(stdout, /mock-idp stopped \(SIGINT\)/);
    assert.ok(performance.now() - stoppedAt < 5000, 'stops promptly');
    await assert.rejects(fetch(doc.jwks_uri), 'the port is closed');
  });

  const badFlags: [string[], RegExp][] = [
    [['--port', 'abc'], /--port/],
    [['--port', '70000'], /--port/],
    [['--admin-port', '-1'], /--admin-port/],
    [['--alg', 'HS256'], /--alg/],
    [['--seed', 'x'], /--seed/],
    [['--issuer', '../etc'], /--issuer/],
    [['--issuer', 'a', '--issuer', 'a'], /--issuer/],
    [['--frobnicate'], /--frobnicate/],
  ];
  for (const [args, message] of badFlags) {
    it(`exits 2 naming the flag for ${args.join(' ')}`, async () => {
      const { code, stderr } = await exit(run(args));
      assert.equal(code, 2);
      assert.match(stderr, message);
    });
  }
});
