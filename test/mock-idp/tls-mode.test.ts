/** startMockIdp({ tls: true }): the data plane over HTTPS, trusted through NODE_EXTRA_CA_CERTS only. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startMockIdp, type MockIdp } from '../../mock-idp/index.ts';

function fetchFromChild(url: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string }> {
  const script = `fetch(${JSON.stringify(url)}).then(async (r) => console.log(r.status, (await r.json()).keys.length), () => process.exit(3));`;
  const cleanEnv = { ...process.env, ...env };
  if (env.NODE_EXTRA_CA_CERTS === undefined) delete cleanEnv.NODE_EXTRA_CA_CERTS;
  delete cleanEnv.NODE_TLS_REJECT_UNAUTHORIZED;
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', script], { env: cleanEnv, timeout: 20_000 }, (error, stdout) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout });
    });
  });
}

describe('mock-idp TLS mode', () => {
  let idp: MockIdp;
  before(async () => {
    idp = await startMockIdp({ tls: true, alg: 'ES256', issuers: ['gitlab'] });
  });
  after(() => idp.close());

  it('serves the JWKS over https to a client that trusts the written CA, and to no one else', async () => {
    assert.match(idp.dataUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(idp.caPath !== undefined && existsSync(idp.caPath));
    const jwksUrl = idp.urlsFor('gitlab').jwksUrl;
    assert.match(jwksUrl, /^https:/);
    const trusted = await fetchFromChild(jwksUrl, { NODE_EXTRA_CA_CERTS: idp.caPath });
    assert.equal(trusted.code, 0);
    assert.equal(trusted.stdout.trim(), '200 1');
    const untrusted = await fetchFromChild(jwksUrl, {});
    assert.equal(untrusted.code, 3);
  });

  it('keeps the admin plane on plain loopback http', () => {
    assert.match(idp.adminUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
