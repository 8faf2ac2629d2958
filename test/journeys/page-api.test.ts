/**
 * The demo page's server side without a browser: its options are validated like the gateway's,
 * its APIs verify the token, the follow-up fails only with the seed's bug switched on, and the
 * provider's token endpoint lets the page's origin read its answers (CORS).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startJourneyStack, type JourneyStack } from './stack.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function clientToken(
  stack: JourneyStack,
  origin?: string,
): Promise<{ token: string; headers: Headers }> {
  const res = await fetch(stack.idp.urlsFor('gitlab').tokenUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(origin === undefined ? {} : { origin }),
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'page-test' }),
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { access_token: string };
  return { token: body.access_token, headers: res.headers };
}

async function post(url: string, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('demo page options', () => {
  it('exit 2 naming every bad GATEWAY_PAGE_* variable', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/gateway/main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        GATEWAY_PROVIDERS: 'gitlab=http://127.0.0.1:9/gitlab',
        GATEWAY_PAGE_SEED_BUG: 'maybe',
        GATEWAY_PAGE_TOKEN_TTL: 'soon',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 2);
    assert.match(stderr, /GATEWAY_PAGE_SEED_BUG: must be true or false/);
    assert.match(stderr, /GATEWAY_PAGE_TOKEN_TTL/);
  });
});

for (const seedBug of [false, true]) {
  describe(`demo page APIs, seed bug ${seedBug ? 'on' : 'off'}`, () => {
    let stack: JourneyStack;
    before(async () => {
      stack = await startJourneyStack({ GATEWAY_PAGE_SEED_BUG: String(seedBug) });
    });
    after(async () => {
      await stack.close();
    });

    it('answers only with a valid token, and only to POST', async () => {
      assert.equal((await post(`${stack.gateway.url}/app/api/ask`)).status, 401);
      assert.equal((await post(`${stack.gateway.url}/app/api/ask`, 'not-a-jwt')).status, 401);
      assert.equal((await fetch(`${stack.gateway.url}/app/api/ask`)).status, 405);
      const { token } = await clientToken(stack);
      const ask = await post(`${stack.gateway.url}/app/api/ask`, token);
      assert.equal(ask.status, 200);
      assert.match(String(ask.body.answer), /^Hello page-test: /);
      assert.equal(typeof ask.body.job, 'string');
    });

    it(seedBug ? 'fails the follow-up with A1001' : 'runs the follow-up once per answer', async () => {
      const { token } = await clientToken(stack);
      const ask = await post(`${stack.gateway.url}/app/api/ask`, token);
      const url = `${stack.gateway.url}/app/api/follow-up?job=${String(ask.body.job)}`;
      const follow = await post(url, token);
      if (seedBug) {
        assert.equal(follow.status, 500);
        assert.equal(follow.body.error, 'A1001');
        assert.match(String(follow.body.detail), /session is a plain hash/);
      } else {
        assert.equal(follow.status, 200);
        assert.match(String(follow.body.analysis), /follow-up done for page-test/);
        assert.equal((await post(url, token)).status, 404, 'a job runs once');
      }
    });

    it('serves the page with its sign-in settings', async () => {
      const page = await fetch(`${stack.gateway.url}/app/`);
      assert.equal(page.status, 200);
      assert.match(
        page.headers.get('content-security-policy') ?? '',
        /connect-src 'self' http:\/\/127\.0\.0\.1:\d+/,
      );
      const config = (await (await fetch(`${stack.gateway.url}/app/config.json`)).json()) as Record<
        string,
        unknown
      >;
      assert.equal(config.tokenUrl, stack.idp.urlsFor('gitlab').tokenUrl);
      assert.equal(config.authorizeUrl, stack.idp.urlsFor('gitlab').authorizeUrl);
      assert.equal(config.seedBug, seedBug);
      assert.equal(config.tokenTtlS, 2);
    });
  });
}

describe('token endpoint CORS', () => {
  let stack: JourneyStack;
  before(async () => {
    stack = await startJourneyStack();
  });
  after(async () => {
    await stack.close();
  });

  it("names the caller's origin, and adds nothing without one", async () => {
    const withOrigin = await clientToken(stack, 'http://127.0.0.1:8080');
    assert.equal(withOrigin.headers.get('access-control-allow-origin'), 'http://127.0.0.1:8080');
    const without = await clientToken(stack);
    assert.equal(without.headers.get('access-control-allow-origin'), null);
  });
});
