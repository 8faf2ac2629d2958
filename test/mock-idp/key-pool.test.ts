/**
 * Keys generated ahead: a rotation, an added key and a reset take a key the pool generated
 * before they were asked for (none is generated on the admin request's path), and the pool
 * refills in the background. Checked through the admin API of a real mock-idp, RSA keys, both
 * seeded (keystorm's runs) and random.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startMockIdp, type MockIdp } from '../../mock-idp/index.ts';
import type { KeyPoolStatus } from '../../mock-idp/keys/key-pool.ts';
import { materialFrom, privateKeyFor } from '../../mock-idp/keys/material.ts';
import { getJson, waitFor } from './helpers.ts';

/** Waits until every key the pool is generating is ready (the background refill finished). */
async function poolFull(idp: MockIdp, issuer: string): Promise<KeyPoolStatus> {
  let status = await idp.admin.keys.pool(issuer);
  await waitFor(async () => {
    status = await idp.admin.keys.pool(issuer);
    return status.ready.RS256 === status.size && status.pending.RS256 === 0;
  }, 60_000);
  return status;
}

for (const seed of [7, undefined]) {
  describe(`keys generated ahead (${seed === undefined ? 'random' : 'seeded'} RSA)`, () => {
    const options = {
      issuers: [{ name: 'r', algs: ['RS256' as const] }],
      ...(seed === undefined ? {} : { seed }),
    };

    it('rotates, adds and resets with pooled keys, then refills the pool off the request path', async () => {
      const idp = await startMockIdp(options);
      try {
        const full = await poolFull(idp, 'r');
        assert.equal(full.size, 2);

        const plan = await idp.admin.keys.rotate('r', { revokeAfter: 0 });
        assert.equal(typeof plan.tookMs, 'number', 'the rotation reports its own duration');
        const afterRotate = await idp.admin.keys.pool('r');
        assert.equal(afterRotate.takenReady, full.takenReady + 1, 'the rotation took a ready key');
        assert.equal(afterRotate.takenWaiting, full.takenWaiting, 'nothing was generated on its path');

        const refilled = await poolFull(idp, 'r');
        await idp.admin.keys.add('r', { state: 'next' });
        await idp.admin.keys.misrotate('r', 'immediate-revoke');
        const afterTwo = await idp.admin.keys.pool('r');
        assert.equal(afterTwo.takenReady, refilled.takenReady + 2, 'both took ready keys');
        assert.equal(afterTwo.takenWaiting, refilled.takenWaiting);

        const beforeReset = await poolFull(idp, 'r');
        await idp.admin.reset();
        const afterReset = await idp.admin.keys.pool('r');
        if (seed === undefined) {
          // Random keys fit any label: the reset's new key comes from the pool.
          assert.equal(afterReset.takenReady, beforeReset.takenReady + 1);
          assert.equal(afterReset.takenWaiting, beforeReset.takenWaiting);
        }
        const jwks = (await getJson(idp.urlsFor('r').jwksUrl)).body as { keys: { n?: string }[] };
        assert.equal(jwks.keys.length, 1);
        assert.equal(Buffer.from(jwks.keys[0]?.n ?? '', 'base64url').length, 256, 'a 2048-bit key');
      } finally {
        await idp.close();
      }
    });
  });
}

describe('keys generated ahead keep seeded runs reproducible', () => {
  it('a key taken from the pool is the key the seed and its label give', async () => {
    const idp = await startMockIdp({ issuers: [{ name: 'r', algs: ['RS256' as const] }], seed: 11 });
    try {
      await poolFull(idp, 'r');
      const plan = await idp.admin.keys.rotate('r', { revokeAfter: 0 });
      const expected = await materialFrom('RS256', await privateKeyFor('RS256', { seed: 11 }, 'r/1'));
      assert.equal(plan.kid, expected.kid, 'the second key of issuer r under seed 11');
      assert.equal((await idp.admin.keys.pool('r')).takenWaiting, 1, 'only the start-up key waited');
    } finally {
      await idp.close();
    }
  });
});
