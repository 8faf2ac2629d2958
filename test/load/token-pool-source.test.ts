import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { startMockIdp } from '../../mock-idp/index.ts';
import type { MockIdp } from '../../mock-idp/index.ts';
import { createTokenPool } from '../../src/load/token-pool.ts';
import type { TokenPool } from '../../src/load/token-pool.ts';
import { mintNegativeTokens } from '../../src/load/token-pool-negatives.ts';
import type { NegativeTokens } from '../../src/load/token-pool-negatives.ts';
import { createTokenRequestSource } from '../../src/load/token-pool-source.ts';
import type { TokenRequestSourceOptions } from '../../src/load/token-pool-source.ts';
import type { RequestContext, RequestSource, RequestSpec } from '../../src/load/types.ts';
import { createRandom } from '../../src/util/random.ts';

const template = {
  method: 'POST',
  path: '/v1/code/completions',
  headers: {
    'X-Gitlab-Instance-Id': '{{claims.gitlab_instance_id}}',
    'X-Gitlab-Realm': '{{claims.gitlab_realm}}',
  },
  body: '{"prompt":"def"}',
};

function ctx(seq: number): RequestContext {
  return { seq, phase: 'steady', phaseIndex: 0, vu: -1, intendedMs: seq };
}

async function drain(source: RequestSource, n: number): Promise<RequestSpec[]> {
  const out: RequestSpec[] = [];
  for (let i = 0; i < n; i++) out.push(await source(ctx(i)));
  return out;
}

describe('token request source against a real mock-idp', () => {
  let idp: MockIdp;
  let pool: TokenPool;
  let negatives: NegativeTokens;
  let jwksUrl: string;

  before(async () => {
    idp = await startMockIdp({ seed: 11, alg: 'ES256' });
    const gitlab = idp.issuers.find((i) => i.name === 'gitlab');
    assert.ok(gitlab);
    jwksUrl = gitlab.jwksUrl;
    pool = createTokenPool({ tokenUrl: gitlab.tokenUrl, clients: 4, expiresIn: 600, seed: 5 });
    await pool.start();
    negatives = await mintNegativeTokens({
      minter: idp.admin.tokens,
      issuer: 'gitlab',
      shapes: ['expired', 'unknown-kid', 'missing-scope', 'wrong-issuer', 'malformed'],
      perShape: 8,
    });
  });
  after(async () => {
    await pool.close();
    await idp.close();
  });

  function source(options: Partial<TokenRequestSourceOptions>, seed = 42): RequestSource {
    return createTokenRequestSource({ pool, template, random: createRandom(seed), negatives, ...options });
  }

  it('sends each negative case in its share of requests, within tolerance, for a seed', async () => {
    const shares = { 'negative:expired': 0.1, 'negative:unknown-kid': 0.05, 'negative:missing-scope': 0.05 };
    const s = source({
      shapes: { expired: 0.1, 'unknown-kid': 0.05, 'missing-scope': 0.05 },
      omitClaimHeaders: 0.05,
      mismatchClaimHeaders: 0.05,
    });
    const n = 6000;
    const counts = new Map<string, number>();
    for (const spec of await drain(s, n)) counts.set(spec.kind ?? '', (counts.get(spec.kind ?? '') ?? 0) + 1);
    const expected: Record<string, number> = {
      ...shares,
      'negative:header-missing': 0.05,
      'negative:header-mismatch': 0.05,
      fresh: 0.7,
    };
    for (const [kind, share] of Object.entries(expected)) {
      const observed = (counts.get(kind) ?? 0) / n;
      // ±4 standard deviations of a binomial share: fails when a share is really off.
      const tolerance = 4 * Math.sqrt((share * (1 - share)) / n);
      assert.ok(
        Math.abs(observed - share) <= tolerance,
        `${kind}: ${observed} vs ${share} ± ${tolerance.toFixed(4)}`,
      );
    }
  });

  it('draws the same sequence of cases for the same seed', async () => {
    const options = { shapes: { expired: 0.2, malformed: 0.1 }, mismatchClaimHeaders: 0.1 };
    const a = (await drain(source(options, 9), 300)).map((r) => r.kind);
    const b = (await drain(source(options, 9), 300)).map((r) => r.kind);
    const c = (await drain(source(options, 10), 300)).map((r) => r.kind);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('renders the template with the claims of the token it sends, and expects success', async () => {
    const [spec] = await drain(source({}), 1);
    assert.ok(spec);
    assert.equal(spec.method, 'POST');
    assert.equal(spec.path, '/v1/code/completions');
    assert.equal(spec.body, '{"prompt":"def"}');
    assert.equal(spec.kind, 'fresh');
    assert.equal(spec.expect, undefined);
    const token = spec.headers?.authorization?.replace(/^Bearer /, '') ?? '';
    const claims = decodeJwt(token);
    assert.equal(spec.headers?.['x-gitlab-instance-id'], claims.gitlab_instance_id);
    assert.equal(spec.headers?.['x-gitlab-realm'], claims.gitlab_realm);
  });

  it('sends negative tokens that really carry their defect, expecting 401 or 403', async () => {
    const jwks = (await (await fetch(jwksUrl)).json()) as { keys: { kid: string }[] };
    const served = new Set(jwks.keys.map((k) => k.kid));
    const nowS = Date.now() / 1000;
    const checks: Record<string, (token: string) => void> = {
      expired: (t) => assert.ok(Number(decodeJwt(t).exp) < nowS),
      'unknown-kid': (t) => assert.ok(!served.has(String(decodeProtectedHeader(t).kid))),
      'missing-scope': (t) => assert.ok(!String(decodeJwt(t).scope).split(' ').includes('code_suggestions')),
      'wrong-issuer': (t) => assert.notEqual(decodeJwt(t).iss, idp.issuers[0]?.issuerUrl),
      malformed: (t) => assert.throws(() => decodeJwt(t)),
    };
    for (const [shape, check] of Object.entries(checks)) {
      const [spec] = await drain(source({ shapes: { [shape]: 1 } }), 1);
      assert.ok(spec);
      assert.equal(spec.kind, `negative:${shape}`);
      assert.deepEqual(spec.expect, [401, 403]);
      check(spec.headers?.authorization?.replace(/^Bearer /, '') ?? '');
    }
  });

  it('leaves out or mismatches the claim headers of a valid token, expecting a refusal', async () => {
    const [missing] = await drain(source({ omitClaimHeaders: 1 }), 1);
    assert.equal(missing?.kind, 'negative:header-missing');
    assert.equal(missing?.headers?.['x-gitlab-instance-id'], undefined);
    assert.equal(missing?.headers?.['x-gitlab-realm'], undefined);
    assert.deepEqual(missing?.expect, [401, 403]);
    assert.ok(missing?.headers?.authorization?.startsWith('Bearer ey'));

    const [mismatch] = await drain(source({ mismatchClaimHeaders: 1 }), 1);
    assert.equal(mismatch?.kind, 'negative:header-mismatch');
    const claims = decodeJwt(mismatch?.headers?.authorization?.replace(/^Bearer /, '') ?? '');
    assert.ok(mismatch?.headers?.['x-gitlab-instance-id']);
    assert.notEqual(mismatch?.headers?.['x-gitlab-instance-id'], claims.gitlab_instance_id);
    assert.deepEqual(mismatch?.expect, [401, 403]);
  });

  it('rejects shares that cannot be met, naming the option', () => {
    assert.throws(() => source({ shapes: { expired: 0.7 }, omitClaimHeaders: 0.5 }), /add up to 1.2/);
    assert.throws(() => source({ shapes: { 'alg-none': 0.1 } }), /shapes\.alg-none: no 'alg-none' tokens/);
    assert.throws(
      () => source({ shapes: { expired: 1.5 } }),
      /shapes\.expired: a share must be a number in \[0, 1\]/,
    );
    assert.throws(
      () =>
        createTokenRequestSource({
          pool,
          template: { path: '/' },
          random: createRandom(1),
          mismatchClaimHeaders: 0.1,
        }),
      /mismatchClaimHeaders: the template has no header filled from a claim/,
    );
  });

  it('names the shape when mock-idp refuses to mint it', async () => {
    await assert.rejects(
      mintNegativeTokens({ minter: idp.admin.tokens, issuer: 'no-such-issuer', shapes: ['expired'] }),
      /minting 32 'expired' tokens at issuer no-such-issuer failed/,
    );
  });
});
