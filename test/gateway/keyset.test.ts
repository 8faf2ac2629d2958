import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exportJWK, generateKeyPair, generateSecret } from 'jose';
import { findKey, parseKeySet } from '../../examples/gateway/keyset.ts';
import { FetchError } from '../../examples/gateway/outbound.ts';

async function publicJwk(alg: 'ES256' | 'RS256', kid: string) {
  const { publicKey } = await generateKeyPair(alg);
  return { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
}

describe('key set parsing', () => {
  it('indexes usable keys by kid and never keeps symmetric or private keys', async () => {
    const es = await publicJwk('ES256', 'es');
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const secret = await exportJWK(await generateSecret('HS256', { extractable: true }));
    const set = await parseKeySet(
      { keys: [es, { ...secret, kid: 'hmac' }, { ...(await exportJWK(privateKey)), kid: 'priv' }] },
      { strict: true },
    );
    assert.deepEqual([...set.byKid.keys()], ['es']);
    assert.equal(findKey(set, 'es')?.alg, 'ES256');
    assert.equal(findKey(set, 'hmac'), undefined);
    assert.equal(findKey(set, undefined)?.kid, 'es', 'a single-key set answers a token without kid');
  });

  it('strict mode refuses empty, malformed and unimportable sets; lenient mode takes an empty one', async () => {
    const implausible = async (json: unknown) =>
      assert.rejects(
        parseKeySet(json, { strict: true }),
        (e: unknown) => e instanceof FetchError && e.kind === 'implausible',
      );
    await implausible({ keys: [] });
    await implausible({ nope: true });
    await implausible('<html>');
    await implausible({ keys: [{ kty: 'RSA', kid: 'broken', n: 'AQAB', e: 'AQAB', alg: 'RS256' }] });
    await implausible({ keys: [{ kty: 'EC', crv: 'P-256', kid: 'broken', x: 'AQAB', y: 'AQAB' }] });
    const lenient = await parseKeySet({ keys: [] }, { strict: false });
    assert.equal(lenient.all.length, 0);
  });

  it('cannot choose among several keys for a token without kid', async () => {
    const set = await parseKeySet(
      { keys: [await publicJwk('ES256', 'a'), await publicJwk('ES256', 'b')] },
      { strict: true },
    );
    assert.equal(findKey(set, undefined), undefined);
  });
});
