import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startMockIdp } from '../../mock-idp/index.ts';
import { createTlsMaterial } from '../../mock-idp/tls.ts';
import type { TlsMaterial } from '../../mock-idp/tls.ts';

/** Fetches a URL from a separate node process (as a SUT would) and reports how it went. */
function fetchFromChild(
  url: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const script = `fetch(${JSON.stringify(url)}).then(async (r) => { console.log(r.status, await r.text()); }, (e) => { console.error(String(e.cause?.code ?? e.cause ?? e)); process.exit(3); });`;
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', script], { env, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

describe('TLS mode material', () => {
  let tls: TlsMaterial;
  let server: Server;
  let port: number;
  const baseEnv = { ...process.env };
  delete baseEnv.NODE_EXTRA_CA_CERTS;
  delete baseEnv.NODE_TLS_REJECT_UNAUTHORIZED;

  before(async () => {
    tls = await createTlsMaterial();
    server = createServer({ key: tls.key, cert: tls.cert }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(tls.dir, { recursive: true, force: true });
  });

  it('writes the CA to a file and signs a server certificate for the loopback names with it', async () => {
    assert.equal(await readFile(tls.caPath, 'utf8'), tls.ca);
    const ca = new X509Certificate(tls.ca);
    const cert = new X509Certificate(tls.cert);
    assert.equal(ca.ca, true);
    assert.equal(cert.ca, false);
    assert.ok(cert.verify(ca.publicKey), 'server certificate must be signed by the CA');
    assert.ok(cert.checkIP('127.0.0.1'));
    assert.ok(cert.checkIP('::1'));
    assert.equal(cert.checkHost('localhost'), 'localhost');
  });

  it('lets a child node process that trusts the CA via NODE_EXTRA_CA_CERTS fetch over https', async () => {
    const ok = await fetchFromChild(`https://127.0.0.1:${port}/gitlab/jwks`, {
      ...baseEnv,
      NODE_EXTRA_CA_CERTS: tls.caPath,
    });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), '200 {"keys":[]}');
    const byName = await fetchFromChild(`https://localhost:${port}/`, {
      ...baseEnv,
      NODE_EXTRA_CA_CERTS: tls.caPath,
    });
    // localhost may resolve to ::1 first while the server listens on 127.0.0.1 only; both outcomes
    // are about name resolution, never about the certificate.
    assert.ok(byName.code === 0 || /ECONNREFUSED/.test(byName.stderr), byName.stderr);
  });

  it('fails the same fetch when the CA is not trusted', async () => {
    const denied = await fetchFromChild(`https://127.0.0.1:${port}/gitlab/jwks`, baseEnv);
    assert.equal(denied.code, 3);
    assert.match(denied.stderr, /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|unable to verify/i);
  });

  it('rejects options that cannot make a certificate', async () => {
    await assert.rejects(createTlsMaterial({ hosts: [] }), /hosts/);
    await assert.rejects(createTlsMaterial({ days: 0 }), /days/);
  });
});

describe('startMockIdp in TLS mode', () => {
  const baseEnv = { ...process.env };
  delete baseEnv.NODE_EXTRA_CA_CERTS;
  delete baseEnv.NODE_TLS_REJECT_UNAUTHORIZED;

  it('serves JWKS over https to a SUT that trusts caPath, and HTTP faults still act (reset over TLS)', async () => {
    const idp = await startMockIdp({ tls: true, seed: 1 });
    try {
      const jwksUrl = idp.urlsFor('gitlab', 'tls-sut').jwksUrl;
      assert.match(jwksUrl, /^https:\/\/127\.0\.0\.1:/);
      assert.ok(idp.caPath !== undefined);
      const ok = await fetchFromChild(jwksUrl, { ...baseEnv, NODE_EXTRA_CA_CERTS: idp.caPath });
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /^200 \{"keys":\[/);
      const denied = await fetchFromChild(jwksUrl, baseEnv);
      assert.equal(denied.code, 3);
      await idp.admin.faults.add({ kind: 'reset', scope: { client: 'tls-sut' } });
      const reset = await fetchFromChild(jwksUrl, { ...baseEnv, NODE_EXTRA_CA_CERTS: idp.caPath });
      assert.equal(reset.code, 3, reset.stdout);
      assert.equal((await idp.admin.stats.get({ client: 'tls-sut' })).clients['tls-sut']?.jwksFetches, 2);
    } finally {
      await idp.close();
    }
  });
});
