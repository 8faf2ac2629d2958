/**
 * Token shapes from the minting API, each verified the way a careful relying party would
 * (jose with issuer, audience, max age and the RS256/ES256 allow-list), plus the issuer clock
 * offset and batch expiry options.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { startMockIdp, type MockIdp } from '../../mock-idp/index.ts';
import type { TokenShape } from '../../mock-idp/tokens/mint.ts';

describe('token shapes', () => {
  let idp: MockIdp;
  let verify: (token: string) => Promise<string>;

  before(async () => {
    idp = await startMockIdp({ alg: 'ES256', issuers: ['gitlab'] });
    const urls = idp.urlsFor('gitlab');
    const jwks = createRemoteJWKSet(new URL(urls.jwksUrl), { cooldownDuration: 0 });
    verify = async (token) => {
      try {
        await jwtVerify(token, jwks, {
          issuer: urls.issuerUrl,
          audience: 'gitlab-ai-gateway',
          algorithms: ['ES256', 'RS256'],
          maxTokenAge: '1h',
          requiredClaims: ['scope'],
        });
        return 'ok';
      } catch (error) {
        return (error as { code?: string }).code ?? String(error);
      }
    };
  });
  beforeEach(() => idp.admin.reset());
  after(() => idp.close());

  const expectations: [TokenShape, string][] = [
    ['valid', 'ok'],
    ['short-lived', 'ok'],
    ['expired', 'ERR_JWT_EXPIRED'],
    ['not-yet-valid', 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['issued-in-future', 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['wrong-issuer', 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['wrong-audience', 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['bad-signature', 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'],
    ['rogue-key', 'ERR_JWKS_NO_MATCHING_KEY'],
    ['revoked-key', 'ERR_JWKS_NO_MATCHING_KEY'],
    ['unknown-kid', 'ERR_JWKS_NO_MATCHING_KEY'],
    ['alg-none', 'ERR_JOSE_ALG_NOT_ALLOWED'],
    ['hs256-confusion', 'ERR_JOSE_ALG_NOT_ALLOWED'],
    ['malformed', 'ERR_JWS_INVALID'],
    ['missing-scope', 'ok'],
  ];
  for (const [shape, expected] of expectations) {
    it(`mints ${shape} tokens that a careful verifier ${expected === 'ok' ? 'accepts' : `rejects (${expected})`}`, async () => {
      const { tokens, expiresAt } = await idp.admin.tokens.mint('gitlab', { shape, count: 3 });
      assert.equal(tokens.length, 3);
      assert.equal(expiresAt.length, 3);
      for (const token of tokens) assert.equal(await verify(token), expected);
    });
  }

  it('gives each token its own random kid with unknown-kid', async () => {
    const { tokens, kid } = await idp.admin.tokens.mint('gitlab', { shape: 'unknown-kid', count: 5 });
    const kids = new Set(tokens.map((t) => decodeProtectedHeader(t).kid));
    assert.equal(kids.size, 5);
    assert.equal(kid, undefined, 'no single kid to report');
  });

  it('leaves out the required scope in missing-scope tokens', async () => {
    const valid = decodeJwt((await idp.admin.tokens.mint('gitlab')).tokens[0] ?? '');
    const missing = decodeJwt(
      (await idp.admin.tokens.mint('gitlab', { shape: 'missing-scope' })).tokens[0] ?? '',
    );
    assert.equal(valid.scope, 'code_suggestions duo_chat');
    assert.equal(missing.scope, 'duo_chat');
  });

  it('splits malformed tokens into two segments ("not enough segments")', async () => {
    const { tokens } = await idp.admin.tokens.mint('gitlab', { shape: 'malformed' });
    assert.equal(tokens[0]?.split('.').length, 2);
  });

  it('keys hs256-confusion tokens with the public key and alg-none tokens with nothing', async () => {
    const [hs] = (await idp.admin.tokens.mint('gitlab', { shape: 'hs256-confusion' })).tokens;
    const [none] = (await idp.admin.tokens.mint('gitlab', { shape: 'alg-none' })).tokens;
    assert.equal(decodeProtectedHeader(hs ?? '').alg, 'HS256');
    assert.equal(decodeProtectedHeader(none ?? '').alg, 'none');
    assert.ok(none?.endsWith('.'));
  });

  it('applies subject, client, scopes, audience, claim overrides, explicit kid and lifetime', async () => {
    const extra = await idp.admin.keys.add('gitlab', { alg: 'EdDSA', kid: 'ed-1' });
    const { tokens, kid, expiresAt } = await idp.admin.tokens.mint('gitlab', {
      subject: 'user-9',
      clientId: 'cli',
      scopes: ['a', 'b'],
      audience: ['x', 'y'],
      claims: { seat_count: 12, gitlab_realm: 'self-managed' },
      kid: extra.kid,
      expiresIn: 120,
    });
    assert.equal(kid, 'ed-1');
    const claims = decodeJwt(tokens[0] ?? '');
    assert.equal(decodeProtectedHeader(tokens[0] ?? '').alg, 'EdDSA');
    assert.deepEqual(
      {
        sub: claims.sub,
        client_id: claims.client_id,
        scope: claims.scope,
        aud: claims.aud,
        seat: claims.seat_count,
        realm: claims.gitlab_realm,
      },
      { sub: 'user-9', client_id: 'cli', scope: 'a b', aud: ['x', 'y'], seat: 12, realm: 'self-managed' },
    );
    assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 120);
    assert.equal(expiresAt[0], (claims.exp ?? 0) * 1000);
  });

  it('aligns expiries to a multiple of the lifetime, or spreads them with seeded jitter', async () => {
    const aligned = await idp.admin.tokens.mint('gitlab', { count: 4, expiresIn: 60, alignedExpiry: true });
    for (const at of aligned.expiresAt) assert.equal((at / 1000) % 60, 0);
    assert.equal(new Set(aligned.expiresAt).size, 1);
    const jittered = await idp.admin.tokens.mint('gitlab', { count: 50, expiresIn: 600, expiryJitter: 300 });
    const base = Math.floor(Date.now() / 1000) + 600;
    const spread = jittered.expiresAt.map((at) => at / 1000 - base);
    assert.ok(
      Math.min(...spread) >= -2 && Math.max(...spread) <= 302,
      `spread ${Math.min(...spread)}…${Math.max(...spread)}`,
    );
    assert.ok(new Set(spread).size > 10, 'jitter varies per token');
  });

  it('skews iat/nbf/exp by the issuer clock offset', async () => {
    await idp.admin.clock.set('gitlab', -2 * 3_600_000);
    const skewed = decodeJwt((await idp.admin.tokens.mint('gitlab')).tokens[0] ?? '');
    const nowS = Date.now() / 1000;
    assert.ok(Math.abs((skewed.iat ?? 0) - (nowS - 7200)) < 5, `iat ${skewed.iat} vs now ${nowS}`);
    assert.ok((skewed.exp ?? 0) < nowS, 'a 1 h token from a clock 2 h behind is already expired');
    assert.equal(await verify((await idp.admin.tokens.mint('gitlab')).tokens[0] ?? ''), 'ERR_JWT_EXPIRED');
    const token = await fetch(idp.urlsFor('gitlab').tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=x',
    });
    const grant = decodeJwt(((await token.json()) as { access_token: string }).access_token);
    assert.ok((grant.exp ?? 0) < nowS, 'the token endpoint uses the skewed clock too');
    await idp.admin.clock.set('gitlab', 0);
    assert.equal(await verify((await idp.admin.tokens.mint('gitlab')).tokens[0] ?? ''), 'ok');
  });
});
