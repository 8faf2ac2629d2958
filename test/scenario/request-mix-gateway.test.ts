import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../examples/gateway/config.ts';
import { createLogger } from '../../examples/gateway/log.ts';
import { startGateway } from '../../examples/gateway/server.ts';
import type { RunningGateway } from '../../examples/gateway/server.ts';
import { startMockIdp } from '../../mock-idp/index.ts';
import type { MockIdp } from '../../mock-idp/index.ts';
import { runLoad } from '../../src/load/engine.ts';
import { RequestLog } from '../../src/scenario/request-log.ts';
import { RequestMix } from '../../src/scenario/request-mix.ts';
import type { RequestKindInput } from '../../src/scenario/define.ts';
import { createRandom } from '../../src/util/random.ts';

// The whole path of a scenario's requests without the runner: simulated clients get tokens from
// mock-idp over HTTP, minted bad tokens come from its admin API, the load engine sends them to
// the real JWT-verifying example gateway, and every expectation comes from the one table (no
// entry below names its statuses).
const MIX: RequestKindInput[] = [
  { kind: 'valid', share: 6 },
  { kind: 'reused', share: 1, token: 'pool-reused' },
  { kind: 'expired', share: 1, token: 'expired' },
  { kind: 'wrong-issuer', share: 1, token: 'wrong-issuer' },
  { kind: 'bad-signature', share: 1, token: 'bad-signature' },
  { kind: 'alg-none', share: 1, token: 'alg-none' },
  { kind: 'malformed', share: 1, token: 'malformed' },
  { kind: 'missing-scope', share: 1, token: 'missing-scope' },
  { kind: 'no-token', share: 1, token: 'none' },
  { kind: 'header-missing', share: 1, headers: 'omit' },
  { kind: 'header-mismatch', share: 1, headers: 'mismatch' },
];

describe('the request mix through the load engine against a verifying gateway', () => {
  let idp: MockIdp;
  let gateway: RunningGateway;
  let mix: RequestMix;

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
    mix = new RequestMix({
      idp,
      tokenUrl: (issuer) => idp.issuers.find((i) => i.name === issuer)?.tokenUrl ?? '',
      defaultIssuer: 'gitlab',
      routes: {
        default: {
          method: 'POST',
          path: '/v2/code/completions',
          headers: {
            'X-Gitlab-Instance-Id': '{{claims.gitlab_instance_id}}',
            'X-Gitlab-Realm': '{{claims.gitlab_realm}}',
          },
        },
      },
      phaseMixes: [MIX],
      targets: () => [gateway.url],
      random: createRandom(3),
      seed: 3,
      clientsPerIssuer: 4,
      tokenLifetimeS: 600,
      allowHosts: [],
    });
    await mix.start();
  });
  after(async () => {
    await mix.close();
    await gateway.close();
    await idp.close();
  });

  it('gets 200 for valid tokens, 401 for every bad token or header and 403 for the missing scope', async () => {
    const log = new RequestLog();
    const result = await runLoad({
      target: gateway.url,
      source: mix.source,
      phases: [{ type: 'constant-arrival', rate: 200, duration: '2s' }],
      connections: 8,
      onRequest: (sample) => log.add(sample),
    });
    const s = result.summary;
    const statuses = JSON.stringify(
      Object.fromEntries(Object.entries(s.kinds).map(([k, v]) => [k, v.status])),
    );
    assert.equal(s.sourceErrors.count, 0, s.sourceErrors.first);
    assert.ok(s.totals.requests >= 350, `requests ${s.totals.requests}`);
    assert.equal(s.totals.securityFailures, 0);
    assert.equal(s.totals.unexpected, 0, statuses);
    for (const kind of ['valid', 'reused']) {
      const stats = s.kinds[kind];
      assert.ok(
        stats !== undefined && stats.requests > 0 && stats.status['2xx'] === stats.requests,
        statuses,
      );
    }
    for (const kind of MIX.map((k) => k.kind).filter(
      (k) => !['valid', 'reused', 'missing-scope'].includes(k),
    )) {
      const stats = s.kinds[kind];
      assert.ok(stats !== undefined && stats.requests > 0, `${kind} was sent`);
      assert.equal(stats.status['401'], stats.requests, `${kind}: ${statuses}`);
    }
    const scope = s.kinds['missing-scope'];
    assert.ok(scope !== undefined && scope.status['403'] === scope.requests, statuses);

    // Every pooled token went out tagged with its state (600 s tokens: all fresh), and only those.
    const all = log.window(0, 60_000);
    const pooled = (s.kinds.valid?.requests ?? 0) + (s.kinds.reused?.requests ?? 0);
    const headerFaulted =
      (s.kinds['header-missing']?.requests ?? 0) + (s.kinds['header-mismatch']?.requests ?? 0);
    assert.equal(all.counts('fresh').requests, pooled + headerFaulted);
    assert.equal(all.counts('stale').requests, 0);
    assert.equal(all.counts('expired').requests, s.kinds.expired?.requests);
  });
});
