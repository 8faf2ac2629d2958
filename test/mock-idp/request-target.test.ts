/**
 * Malformed request targets, sent as raw bytes on a socket (fetch would refuse to build them):
 * both planes answer 400 (the admin plane 401 without the token), never 500, and keep serving.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startMockIdp, type MockIdp } from '../../mock-idp/index.ts';
import { parseRequestTarget } from '../../src/util/request-target.ts';

/** Sends one raw request and returns the status code and body of the answer. */
function rawRequest(
  base: string,
  requestLine: string,
  headers: string[] = [],
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
    socket.write([requestLine, `host: ${hostname}`, 'connection: close', ...headers, '', ''].join('\r\n'));
  });
}

const MALFORMED = [
  'GET //[ HTTP/1.1',
  'GET /gitlab/jwks[ HTTP/1.1',
  'GET /issuers%zz HTTP/1.1',
  'GET * HTTP/1.1',
];

describe('malformed request targets', () => {
  let idp: MockIdp;
  before(async () => {
    idp = await startMockIdp({ adminToken: 'test-admin-token-1234' });
  });
  after(() => idp.close());

  it('the admin plane answers 401 without the token and 400 with it', async () => {
    for (const line of MALFORMED) {
      const anonymous = await rawRequest(idp.adminUrl, line);
      assert.equal(anonymous.status, 401, `${line}: ${anonymous.body}`);
      const authorized = await rawRequest(idp.adminUrl, line, [`authorization: Bearer ${idp.adminToken}`]);
      assert.equal(authorized.status, 400, `${line}: ${authorized.body}`);
      assert.deepEqual(JSON.parse(authorized.body), {
        error: 'invalid_request',
        message: 'malformed request target',
      });
    }
    const fine = await rawRequest(idp.adminUrl, 'GET /issuers HTTP/1.1', [
      `authorization: Bearer ${idp.adminToken}`,
    ]);
    assert.equal(fine.status, 200, fine.body);
  });

  it('the data plane answers 400, and still serves a well-formed absolute-form target', async () => {
    for (const line of MALFORMED) {
      const reply = await rawRequest(idp.dataUrl, line);
      assert.equal(reply.status, 400, `${line}: ${reply.body}`);
      assert.equal((JSON.parse(reply.body) as { error: string }).error, 'invalid_request');
    }
    const jwksUrl = idp.issuers[0]?.jwksUrl ?? '';
    const jwks = await rawRequest(idp.dataUrl, `GET ${jwksUrl} HTTP/1.1`);
    assert.equal(jwks.status, 200, jwks.body);
    assert.ok(Array.isArray((JSON.parse(jwks.body) as { keys: unknown[] }).keys));
  });
});

describe('parseRequestTarget', () => {
  it('splits path and query and refuses what RFC 3986 does not allow', () => {
    assert.deepEqual(parseRequestTarget('/a/b?x=1&y=%20'), { path: '/a/b', query: 'x=1&y=%20' });
    assert.deepEqual(parseRequestTarget('http://h:1/p?q'), { path: '/p', query: 'q' });
    for (const bad of ['//[', '*', 'p', '/a b', '/%g0', '/a"b', 'http://[/x']) {
      assert.equal(parseRequestTarget(bad), undefined, bad);
    }
  });
});
