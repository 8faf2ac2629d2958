/**
 * Key lifecycle, graceful rotation and every deliberately wrong rotation, each checked in the
 * JWKS actually served and in what a jose verifier concludes from it.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { startMockIdp, type MockIdp } from '../../mock-idp/index.ts';
import { getJson, servedKids, waitFor } from './helpers.ts';

/** Verifies against the JWKS served right now: 'ok' or jose's error code. */
async function verifyNow(jwksUrl: string, token: string): Promise<string> {
  const jwks = (await getJson(jwksUrl)).body as JSONWebKeySet;
  try {
    await jwtVerify(token, createLocalJWKSet(jwks));
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe('key lifecycle and rotations', () => {
  let idp: MockIdp;
  let jwksUrl: string;
  const mint = async (): Promise<{ token: string; kid: string }> => {
    const r = await idp.admin.tokens.mint('gitlab');
    return { token: r.tokens[0] ?? '', kid: r.kid ?? '' };
  };

  before(async () => {
    idp = await startMockIdp({ alg: 'ES256', issuers: ['gitlab'] });
    jwksUrl = idp.urlsFor('gitlab').jwksUrl;
  });
  beforeEach(() => idp.admin.reset());
  after(() => idp.close());

  it('walks a key through next → active → retiring → revoked, visible in the JWKS and to verifiers', async () => {
    const old = await mint();
    const next = await idp.admin.keys.add('gitlab', { kid: 'k-next' });
    assert.equal(next.state, 'next');
    assert.deepEqual(await servedKids(jwksUrl), [old.kid, 'k-next']);
    assert.equal((await mint()).kid, old.kid, 'a next key is published but does not sign');

    await idp.admin.keys.activate('gitlab', 'k-next');
    const fresh = await mint();
    assert.equal(fresh.kid, 'k-next');
    assert.equal(await verifyNow(jwksUrl, fresh.token), 'ok');

    await idp.admin.keys.retire('gitlab', old.kid);
    assert.deepEqual(await servedKids(jwksUrl), [old.kid, 'k-next'], 'a retiring key stays published');
    assert.equal(await verifyNow(jwksUrl, old.token), 'ok', 'tokens it signed still verify');

    await idp.admin.keys.revoke('gitlab', old.kid);
    assert.deepEqual(await servedKids(jwksUrl), ['k-next']);
    assert.equal(await verifyNow(jwksUrl, old.token), 'ERR_JWKS_NO_MATCHING_KEY');
    const states = Object.fromEntries((await idp.admin.keys.list('gitlab')).map((k) => [k.kid, k.state]));
    assert.deepEqual(states, { [old.kid]: 'revoked', 'k-next': 'active' });
  });

  it('rotates gracefully on schedule: publish ahead, activate, retire, revoke', async () => {
    const old = await mint();
    const plan = await idp.admin.keys.rotate('gitlab', {
      publishAhead: 300,
      retireAfter: 0,
      revokeAfter: 300,
    });
    assert.equal(plan.previousKid, old.kid);
    assert.deepEqual(await servedKids(jwksUrl), [old.kid, plan.kid], 'published ahead of use');
    assert.equal((await mint()).kid, old.kid, 'not signing yet');
    const activatedAfter = await waitFor(async () => (await mint()).kid === plan.kid, 3000);
    assert.ok(activatedAfter >= 150, `activated after ${activatedAfter} ms, expected ≈ 300 ms`);
    assert.equal(await verifyNow(jwksUrl, old.token), 'ok', 'the old key is retiring, still published');
    await waitFor(async () => !(await servedKids(jwksUrl)).includes(old.kid), 3000);
    assert.equal(await verifyNow(jwksUrl, old.token), 'ERR_JWKS_NO_MATCHING_KEY');
    const info = await idp.admin.issuers.get('gitlab');
    assert.equal(info.pendingRotationSteps, 0);
  });

  it('cancels pending rotation steps on reset', async () => {
    await idp.admin.keys.rotate('gitlab', { publishAhead: 60_000 });
    assert.equal((await idp.admin.issuers.get('gitlab')).pendingRotationSteps, 1);
    await idp.admin.reset();
    assert.equal((await idp.admin.issuers.get('gitlab')).pendingRotationSteps, 0);
    assert.equal((await servedKids(jwksUrl)).length, 1);
  });

  it('forgets the oldest revoked keys so endless rotation stays bounded', async () => {
    for (let i = 0; i < 40; i++) await idp.admin.keys.misrotate('gitlab', 'immediate-revoke');
    const keys = await idp.admin.keys.list('gitlab');
    assert.equal(keys.filter((k) => k.state === 'revoked').length, 32);
    assert.equal(keys.filter((k) => k.state === 'active').length, 1);
    assert.equal((await servedKids(jwksUrl)).length, 1);
  });

  it('sign-before-publish: tokens carry a kid the JWKS lacks until it is published', async () => {
    const r = await idp.admin.keys.misrotate('gitlab', 'sign-before-publish', { publishAfter: 300 });
    const token = await mint();
    assert.equal(token.kid, r.signingKid);
    assert.ok(!(await servedKids(jwksUrl)).includes(token.kid));
    assert.equal(await verifyNow(jwksUrl, token.token), 'ERR_JWKS_NO_MATCHING_KEY');
    await waitFor(async () => (await servedKids(jwksUrl)).includes(token.kid), 3000);
    assert.equal(await verifyNow(jwksUrl, token.token), 'ok');
  });

  it('immediate-revoke: tokens of the old key fail at once', async () => {
    const old = await mint();
    const r = await idp.admin.keys.misrotate('gitlab', 'immediate-revoke');
    assert.equal(r.previousKid, old.kid);
    assert.deepEqual(await servedKids(jwksUrl), [r.signingKid]);
    assert.equal(await verifyNow(jwksUrl, old.token), 'ERR_JWKS_NO_MATCHING_KEY');
    assert.equal(await verifyNow(jwksUrl, (await mint()).token), 'ok');
    const events = await idp.admin.stats.events();
    const types = events.filter((e) => e.issuer === 'gitlab').map((e) => e.type);
    assert.ok(types.includes('key.revoked') && types.includes('misrotation'), types.join(', '));
    assert.equal(events.findLast((e) => e.type === 'misrotation')?.detail?.kind, 'immediate-revoke');
  });

  it('same-kid-new-material: the kid stays, old signatures stop verifying', async () => {
    const old = await mint();
    await idp.admin.keys.misrotate('gitlab', 'same-kid-new-material');
    assert.deepEqual(await servedKids(jwksUrl), [old.kid]);
    const fresh = await mint();
    assert.equal(fresh.kid, old.kid);
    assert.equal(await verifyNow(jwksUrl, old.token), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    assert.equal(await verifyNow(jwksUrl, fresh.token), 'ok');
  });

  it('duplicate-kid: two keys share a kid, the new one listed first', async () => {
    const old = await mint();
    await idp.admin.keys.misrotate('gitlab', 'duplicate-kid', { signWith: 'new' });
    const jwks = (await getJson(jwksUrl)).body as JSONWebKeySet;
    assert.deepEqual(
      jwks.keys.map((k) => k.kid),
      [old.kid, old.kid],
    );
    const fresh = await mint();
    assert.equal(fresh.kid, old.kid);
    const firstOnly = createLocalJWKSet({ keys: [jwks.keys[0] as JSONWebKeySet['keys'][number]] });
    await assert.rejects(
      jwtVerify(old.token, firstOnly),
      { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' },
      'a verifier that takes the first match rejects old tokens',
    );
    // jose refuses to guess between two keys with one kid: both tokens fail with the full set.
    assert.equal(await verifyNow(jwksUrl, old.token), 'ERR_JWKS_MULTIPLE_MATCHING_KEYS');
    assert.equal(await verifyNow(jwksUrl, fresh.token), 'ERR_JWKS_MULTIPLE_MATCHING_KEYS');
  });

  it('missing-kid: the JWKS drops kid from every key', async () => {
    const token = await mint();
    await idp.admin.keys.misrotate('gitlab', 'missing-kid');
    assert.deepEqual(await servedKids(jwksUrl), [undefined]);
    assert.equal(await verifyNow(jwksUrl, token.token), 'ERR_JWKS_NO_MATCHING_KEY');
    await idp.admin.keys.heal('gitlab');
    assert.equal(await verifyNow(jwksUrl, token.token), 'ok');
  });

  it('flapping: consecutive fetches alternate between the old and the new key set', async () => {
    const old = await mint();
    const r = await idp.admin.keys.misrotate('gitlab', 'flapping');
    const fresh = await mint();
    assert.equal(fresh.kid, r.signingKid);
    const seen = [
      await servedKids(jwksUrl),
      await servedKids(jwksUrl),
      await servedKids(jwksUrl),
      await servedKids(jwksUrl),
    ];
    assert.deepEqual(seen, [[fresh.kid], [old.kid], [fresh.kid], [old.kid]]);
    const outcomes = [await verifyNow(jwksUrl, fresh.token), await verifyNow(jwksUrl, fresh.token)];
    assert.deepEqual(outcomes, ['ok', 'ERR_JWKS_NO_MATCHING_KEY']);
  });

  it('empty: the JWKS serves no keys while tokens are still signed', async () => {
    const token = await mint();
    await idp.admin.keys.misrotate('gitlab', 'empty');
    assert.deepEqual((await getJson(jwksUrl)).body, { keys: [] });
    assert.equal(await verifyNow(jwksUrl, token.token), 'ERR_JWKS_NO_MATCHING_KEY');
    const doc = (await getJson(idp.urlsFor('gitlab').discoveryUrl)).body as {
      id_token_signing_alg_values_supported: string[];
    };
    assert.deepEqual(doc.id_token_signing_alg_values_supported, ['ES256'], 'discovery stays valid');
  });

  it('oversized: hundreds of extra keys pad the JWKS; the real key still verifies', async () => {
    const token = await mint();
    await idp.admin.keys.misrotate('gitlab', 'oversized', { count: 500 });
    const response = await fetch(jwksUrl);
    const body = await response.text();
    assert.ok(body.length > 150_000, `JWKS is ${body.length} bytes`);
    assert.equal((JSON.parse(body) as JSONWebKeySet).keys.length, 501);
    assert.equal(await verifyNow(jwksUrl, token.token), 'ok');
  });

  it('decoys: keys with unknown kty/alg/crv/use come first; a tolerant verifier skips them', async () => {
    const token = await mint();
    await idp.admin.keys.misrotate('gitlab', 'decoys');
    const jwks = (await getJson(jwksUrl)).body as JSONWebKeySet;
    assert.deepEqual(
      jwks.keys.slice(0, 5).map((k) => k.kid),
      ['decoy-rs1', 'decoy-secp256k1', 'decoy-x448', 'decoy-enc', 'decoy-unknown-kty'],
    );
    assert.equal(jwks.keys.at(-1)?.kid, token.kid);
    assert.equal(await verifyNow(jwksUrl, token.token), 'ok');
  });
});

describe('seeded key material', () => {
  it('serves the same keys for the same seed, and again after rotations and a reset', async () => {
    const options = { issuers: [{ name: 'a', algs: ['ES256' as const, 'EdDSA' as const] }], seed: 4242 };
    const one = await startMockIdp(options);
    const two = await startMockIdp(options);
    const other = await startMockIdp({ ...options, seed: 4243 });
    try {
      const jwks = async (idp: MockIdp): Promise<unknown> => (await getJson(idp.urlsFor('a').jwksUrl)).body;
      const initial = await jwks(one);
      assert.deepEqual(await jwks(two), initial);
      assert.notDeepEqual(await jwks(other), initial);
      await one.admin.keys.rotate('a', { revokeAfter: 0 });
      await two.admin.keys.rotate('a', { revokeAfter: 0 });
      assert.deepEqual(await jwks(two), await jwks(one), 'rotated keys follow the seed too');
      assert.notDeepEqual(await jwks(one), initial);
      await one.admin.reset();
      assert.deepEqual(await jwks(one), initial);
    } finally {
      await Promise.all([one.close(), two.close(), other.close()]);
    }
  });

  it('derives RSA keys from the seed as well (RS256 and PS256 tokens verify)', async () => {
    const options = { issuers: [{ name: 'r', algs: ['RS256' as const, 'PS256' as const] }], seed: 5 };
    const one = await startMockIdp(options);
    const two = await startMockIdp(options);
    try {
      const url = one.urlsFor('r').jwksUrl;
      const jwks = (await getJson(url)).body as JSONWebKeySet;
      assert.deepEqual((await getJson(two.urlsFor('r').jwksUrl)).body, jwks);
      assert.equal(Buffer.from(jwks.keys[0]?.n ?? '', 'base64url').length, 256, '2048-bit modulus');
      for (const key of jwks.keys) {
        const { tokens } = await one.admin.tokens.mint('r', { kid: key.kid ?? '' });
        const { protectedHeader } = await jwtVerify(tokens[0] ?? '', createLocalJWKSet(jwks));
        assert.equal(protectedHeader.alg, key.alg);
      }
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});
