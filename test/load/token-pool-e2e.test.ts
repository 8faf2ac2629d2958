import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../examples/gateway/config.ts';
import { createLogger } from '../../examples/gateway/log.ts';
import { startGateway } from '../../examples/gateway/server.ts';
import type { RunningGateway } from '../../examples/gateway/server.ts';
import { startMockIdp } from '../../mock-idp/index.ts';
import type { MockIdp } from '../../mock-idp/index.ts';
import { runLoad } from '../../src/load/engine.ts';
import { createTokenPool } from '../../src/load/token-pool.ts';
import type { TokenPool } from '../../src/load/token-pool.ts';
import { mintNegativeTokens } from '../../src/load/token-pool-negatives.ts';
import { createTokenRequestSource } from '../../src/load/token-pool-source.ts';
import { createRandom } from '../../src/util/random.ts';

// The whole path: simulated clients get tokens from mock-idp over HTTP, the load engine sends
// them to a real JWT-verifying gateway, which fetches the JWKS from mock-idp.
describe('token pool through the load engine against a verifying gateway', () => {
  let idp: MockIdp;
  let gateway: RunningGateway;
  let pool: TokenPool;

  before(async () => {
    idp = await startMockIdp({ seed: 21, alg: 'ES256' });
    const gitlab = idp.issuers.find((i) => i.name === 'gitlab');
    assert.ok(gitlab);
    gateway = await startGateway(
      loadConfig({
        GATEWAY_PORT: '0',
        GATEWAY_PROVIDERS: `gitlab=${gitlab.issuerUrl}`,
        GATEWAY_JWKS_URLS: `gitlab=${gitlab.jwksUrl}`,
        GATEWAY_SEED: '1',
      }),
      { log: createLogger(() => {}) },
    );
    pool = createTokenPool({ tokenUrl: gitlab.tokenUrl, clients: 4, expiresIn: 600, seed: 2 });
    await pool.start();
  });
  after(async () => {
    await pool.close();
    await gateway.close();
    await idp.close();
  });

  it('gets 200 for valid tokens and 401/403 for every negative case, with no security failure', async () => {
    const negatives = await mintNegativeTokens({
      minter: idp.admin.tokens,
      issuer: 'gitlab',
      shapes: ['expired', 'wrong-issuer', 'bad-signature', 'alg-none', 'missing-scope', 'malformed'],
      perShape: 4,
    });
    const source = createTokenRequestSource({
      pool,
      negatives,
      random: createRandom(3),
      template: {
        method: 'POST',
        path: '/v2/code/completions',
        headers: {
          'X-Gitlab-Instance-Id': '{{claims.gitlab_instance_id}}',
          'X-Gitlab-Realm': '{{claims.gitlab_realm}}',
        },
        expect: [200],
      },
      shapes: {
        expired: 0.05,
        'wrong-issuer': 0.05,
        'bad-signature': 0.05,
        'alg-none': 0.05,
        'missing-scope': 0.05,
        malformed: 0.05,
      },
      omitClaimHeaders: 0.05,
      mismatchClaimHeaders: 0.05,
    });
    const result = await runLoad({
      target: gateway.url,
      source,
      phases: [{ type: 'constant-arrival', rate: 200, duration: '2s' }],
      connections: 8,
    });
    const s = result.summary;
    assert.equal(s.sourceErrors.count, 0, s.sourceErrors.first);
    assert.ok(s.totals.requests >= 350, `requests ${s.totals.requests}`);
    assert.equal(s.totals.securityFailures, 0);
    assert.equal(
      s.totals.unexpected,
      0,
      JSON.stringify(Object.fromEntries(Object.entries(s.kinds).map(([k, v]) => [k, v.status]))),
    );
    assert.ok((s.kinds.fresh?.status['2xx'] ?? 0) > 200);
    for (const kind of [
      'negative:expired',
      'negative:alg-none',
      'negative:header-mismatch',
      'negative:header-missing',
    ]) {
      const stats = s.kinds[kind];
      assert.ok(stats !== undefined && stats.requests > 0, `${kind} was sent`);
      assert.equal(stats.status['401'], stats.requests, `${kind}: ${JSON.stringify(stats.status)}`);
    }
    const scope = s.kinds['negative:missing-scope'];
    assert.ok(scope !== undefined && scope.status['403'] === scope.requests, JSON.stringify(scope?.status));
  });
});
