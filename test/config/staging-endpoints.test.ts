/**
 * The knobs a staging gateway relies on, through a real run environment (mock-idp and the
 * embedded proxy on loopback): fixed per-issuer proxy ports and API port, the public host in
 * every issuer URL the SUT sees, and `idp.seed` choosing mock-idp's keys.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resolveConfig, type FullConfig } from '../../src/config/index.ts';
import { FaultLedger } from '../../src/faults/ledger.ts';
import { environmentOptions } from '../../src/scenario/run.ts';
import { RunEnvironment } from '../../src/scenario/environment.ts';
import { reservePort } from '../../src/sut/free-port.ts';
import { startMockIdp } from '../../mock-idp/index.ts';

async function jwksKids(url: string): Promise<string[]> {
  const response = await fetch(url);
  assert.equal(response.status, 200, url);
  const body = (await response.json()) as { keys: { kid: string }[] };
  return body.keys.map((k) => k.kid);
}

describe('staging endpoints from the config', () => {
  let ledger: FaultLedger;
  let env: RunEnvironment;
  let config: FullConfig;
  const ports: Record<string, number> = {};
  let apiPort: number;
  let idpPort: number;
  let adminPort: number;

  before(async () => {
    ports['gitlab'] = await reservePort();
    ports['customersdot'] = await reservePort();
    apiPort = await reservePort();
    idpPort = await reservePort();
    adminPort = await reservePort();
    config = resolveConfig(
      {
        idp: { seed: 7, port: idpPort, adminPort },
        proxy: { port: apiPort, ports, publicHost: 'localhost' },
        sut: { url: 'http://127.0.0.1:1' },
        seed: 8,
      },
      { env: {} },
    );
    ledger = new FaultLedger();
    const sut = config.sut;
    assert.ok(sut !== null);
    env = await RunEnvironment.start(environmentOptions(config, sut), ledger);
  });
  after(async () => {
    await env.close();
    await ledger.rollback();
  });

  it('serves each issuer on its fixed proxy port under the public host, the proxy API and mock-idp on theirs', async () => {
    assert.deepEqual(
      env.issuers.map((i) => i.issuer),
      [
        `http://localhost:${ports['gitlab']}/gitlab`,
        `http://localhost:${ports['customersdot']}/customersdot`,
      ],
    );
    assert.equal(new URL(env.proxy.url).port, String(apiPort));
    assert.equal(new URL(env.idp.dataUrl).port, String(idpPort));
    assert.equal(new URL(env.idp.adminUrl).port, String(adminPort));
    for (const issuer of env.issuers) {
      const response = await fetch(`${issuer.issuer}/.well-known/openid-configuration`);
      assert.equal(response.status, 200);
      const discovery = (await response.json()) as { issuer: string; jwks_uri: string };
      // What the SUT sees advertises the same stable URL, so its config never changes.
      assert.equal(discovery.issuer, issuer.issuer);
      assert.ok(discovery.jwks_uri.startsWith(`${issuer.issuer}/`), discovery.jwks_uri);
    }
  });

  it("signs with the keys of idp.seed, not the run's seed", async () => {
    assert.ok(config.sut !== null);
    const idpOptions = environmentOptions(config, config.sut).idp;
    const seeded = await startMockIdp({ ...idpOptions, port: 0, adminPort: 0, seed: 7 });
    const other = await startMockIdp({ ...idpOptions, port: 0, adminPort: 0, seed: 8 });
    try {
      const gitlab = env.issuers[0];
      assert.ok(gitlab !== undefined);
      const served = await jwksKids(`${gitlab.base}/${gitlab.jwksPath}`);
      assert.deepEqual(served, await jwksKids(seeded.issuers[0]?.jwksUrl ?? ''));
      assert.notDeepEqual(served, await jwksKids(other.issuers[0]?.jwksUrl ?? ''));
    } finally {
      await seeded.close();
      await other.close();
    }
  });
});
