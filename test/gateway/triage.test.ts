/**
 * The triage table of the seeds, end to end: a real mock-idp mints each edge case and the
 * gateway (a real child process) must answer with the right status and reason.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { startMockIdp, type MockIdp } from '../../mock-idp/index.ts';
import type { MintRequest, TokenShape } from '../../mock-idp/tokens/mint.ts';
import { FAST_TIMINGS, call, spawnGateway, type SpawnedGateway } from './spawn-gateway.ts';

const GITLAB_HEADERS = {
  'x-gitlab-instance-id': '00000000-0000-4000-8000-000000000001',
  'x-gitlab-realm': 'saas',
};
const CDOT_HEADERS = {
  'x-gitlab-instance-id': '00000000-0000-4000-8000-000000000002',
  'x-gitlab-realm': 'self-managed',
  'x-gitlab-duo-seat-count': '100',
};

describe('gateway triage table (hardened)', () => {
  let idp: MockIdp;
  let gateway: SpawnedGateway;
  let completions: string;
  const mint = async (
    shape?: TokenShape,
    extra: Omit<MintRequest, 'grant'> = {},
    issuer = 'gitlab',
  ): Promise<string> => {
    const result = await idp.admin.tokens.mint(issuer, {
      ...(shape === undefined ? {} : { shape }),
      ...extra,
    });
    const token = result.tokens[0];
    assert.ok(token !== undefined);
    return token;
  };

  before(async () => {
    idp = await startMockIdp({ seed: 11 });
    gateway = await spawnGateway({
      ...FAST_TIMINGS,
      GATEWAY_PROVIDERS: idp.issuers.map((i) => `${i.name}=${i.issuerUrl}`).join(','),
      GATEWAY_JWKS_CLIENT_ID: 'triage',
    });
    completions = `${gateway.url}/v2/code/completions`;
  });
  after(async () => {
    await gateway?.stop();
    await idp?.close();
  });

  it('answers 200 to a valid token with matching headers on every feature route', async () => {
    const token = await mint();
    for (const path of ['/v2/code/completions', '/v1/chat']) {
      const res = await call(`${gateway.url}${path}`, token, GITLAB_HEADERS);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.oidc_provider, 'gitlab');
    }
    const cdot = await call(completions, await mint(undefined, {}, 'customersdot'), CDOT_HEADERS);
    assert.equal(cdot.status, 200, JSON.stringify(cdot.body));
  });

  const invalid: [TokenShape, string][] = [
    ['malformed', 'malformed'],
    ['expired', 'expired'],
    ['not-yet-valid', 'not_yet_valid'],
    ['bad-signature', 'signature_invalid'],
    ['alg-none', 'alg_not_allowed'],
    ['hs256-confusion', 'alg_not_allowed'],
    ['wrong-issuer', 'unknown_issuer'],
    ['wrong-audience', 'audience_mismatch'],
  ];
  for (const [shape, reason] of invalid) {
    it(`rejects a ${shape} token with 401 ${reason}`, async () => {
      const res = await call(completions, await mint(shape), GITLAB_HEADERS);
      assert.equal(res.status, 401, JSON.stringify(res.body));
      assert.equal(res.body.detail, 'Forbidden by auth provider');
      assert.equal(res.body.reason, reason);
      assert.match(res.headers.get('www-authenticate') ?? '', /invalid_token/);
    });
  }

  it('rejects a token signed by a key the provider never published with 401, not 503', async () => {
    const res = await call(completions, await mint('rogue-key'), GITLAB_HEADERS);
    assert.equal(res.status, 401, JSON.stringify(res.body));
    assert.ok(
      ['unknown_kid', 'signature_invalid'].includes(String(res.body.reason)),
      String(res.body.reason),
    );
  });

  it("answers 401 Header is missing: 'X-Gitlab-Instance-Id' when the header is not sent", async () => {
    const res = await call(completions, await mint(), { 'x-gitlab-realm': 'saas' });
    assert.equal(res.status, 401);
    assert.equal(res.body.detail, "Header is missing: 'X-Gitlab-Instance-Id'");
  });

  it("answers 401 Header mismatch 'X-Gitlab-Instance-Id' when the header disagrees with the claim", async () => {
    const res = await call(completions, await mint(), {
      ...GITLAB_HEADERS,
      'x-gitlab-instance-id': 'another-instance',
    });
    assert.equal(res.status, 401);
    assert.equal(res.body.detail, "Header mismatch 'X-Gitlab-Instance-Id'");
  });

  it("answers 401 Header mismatch 'X-Gitlab-Duo-Seat-Count' for a stale seat count", async () => {
    const token = await mint(undefined, {}, 'customersdot');
    const res = await call(completions, token, { ...CDOT_HEADERS, 'x-gitlab-duo-seat-count': '99' });
    assert.equal(res.status, 401);
    assert.equal(res.body.detail, "Header mismatch 'X-Gitlab-Duo-Seat-Count'");
  });

  it('answers 403 Unauthorized to access <feature> when the token lacks the scope', async () => {
    const missing = await call(completions, await mint('missing-scope'), GITLAB_HEADERS);
    assert.equal(missing.status, 403);
    assert.equal(missing.body.detail, 'Unauthorized to access code_suggestions');
    const chatOnly = await mint(undefined, { scopes: ['duo_chat'] });
    assert.equal((await call(completions, chatOnly, GITLAB_HEADERS)).status, 403);
    assert.equal((await call(`${gateway.url}/v1/chat`, chatOnly, GITLAB_HEADERS)).status, 200);
  });

  it('checks only the token on /api/auth/verify', async () => {
    assert.equal((await call(`${gateway.url}/api/auth/verify`, await mint(), {}, 'GET')).status, 200);
    assert.equal(
      (await call(`${gateway.url}/api/auth/verify`, await mint('expired'), {}, 'GET')).status,
      401,
    );
  });

  it('never fetches a JWKS URL named by the token (jku) or by an untrusted issuer', async () => {
    // An attacker's JWKS server holding the key that signed the forged tokens.
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwks = JSON.stringify({
      keys: [{ ...(await exportJWK(publicKey)), kid: 'attacker', alg: 'ES256' }],
    });
    let rogueRequests = 0;
    const rogue = createServer((_req, res) => {
      rogueRequests++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
    });
    await new Promise<void>((resolve) => rogue.listen(0, '127.0.0.1', resolve));
    const rogueUrl = `http://127.0.0.1:${(rogue.address() as AddressInfo).port}`;
    try {
      const gitlab = idp.issuers.find((i) => i.name === 'gitlab');
      assert.ok(gitlab !== undefined);
      const sign = (iss: string) =>
        new SignJWT({ scope: 'code_suggestions', gitlab_instance_id: GITLAB_HEADERS['x-gitlab-instance-id'] })
          .setProtectedHeader({ alg: 'ES256', kid: 'attacker', jku: `${rogueUrl}/jwks` })
          .setIssuer(iss)
          .setAudience('gitlab-ai-gateway')
          .setExpirationTime('5m')
          .sign(privateKey);
      const viaJku = await call(completions, await sign(gitlab.issuerUrl), GITLAB_HEADERS);
      assert.equal(viaJku.status, 401, JSON.stringify(viaJku.body));
      const viaIss = await call(completions, await sign(rogueUrl), GITLAB_HEADERS);
      assert.equal(viaIss.status, 401);
      assert.equal(viaIss.body.reason, 'unknown_issuer');
      assert.equal(rogueRequests, 0);
    } finally {
      await new Promise<void>((resolve) => rogue.close(() => resolve()));
    }
  });
});
