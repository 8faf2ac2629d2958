import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileTemplate } from '../../src/load/request-template.ts';
import type { TemplateValues } from '../../src/load/request-template.ts';

const values: TemplateValues = {
  token: 'tok.en.sig',
  claims: { sub: 'client-7', instance_id: 'inst-42', nested: { realm: 'eu' }, aud: ['a', 'b'], seats: 3 },
  client: 'client-7',
  seq: 12,
  phase: 'steady',
};

describe('request templates', () => {
  it('fills headers, path and body from the token, its claims and the context', () => {
    const t = compileTemplate({
      method: 'post',
      path: '/v1/{{claims.nested.realm}}/complete?seq={{seq}}',
      headers: {
        'X-Gitlab-Instance-Id': '{{claims.instance_id}}',
        'X-Realm': '{{ claims.nested.realm }}',
        'X-Seats': '{{claims.seats}}',
        'X-Aud': '{{claims.aud}}',
        'X-Phase': '{{phase}}-{{client}}',
      },
      body: '{"sub":"{{claims.sub}}"}',
    });
    const r = t.render(values);
    assert.equal(r.method, 'POST');
    assert.equal(r.path, '/v1/eu/complete?seq=12');
    assert.deepEqual(r.headers, {
      'x-gitlab-instance-id': 'inst-42',
      'x-realm': 'eu',
      'x-seats': '3',
      'x-aud': '["a","b"]',
      'x-phase': 'steady-client-7',
      authorization: 'Bearer tok.en.sig',
    });
    assert.equal(r.body, '{"sub":"client-7"}');
    assert.deepEqual(t.claimHeaders, ['x-gitlab-instance-id', 'x-realm', 'x-seats', 'x-aud']);
  });

  it('keeps a given Authorization header instead of adding the bearer one', () => {
    const t = compileTemplate({ path: '/', headers: { Authorization: 'Token {{token}}' } });
    assert.deepEqual(t.render(values).headers, { authorization: 'Token tok.en.sig' });
  });

  it('omits or mismatches claim headers on request', () => {
    const t = compileTemplate({ path: '/', headers: { 'X-Gitlab-Instance-Id': '{{claims.instance_id}}' } });
    assert.equal(
      t.render(values, { omit: ['x-gitlab-instance-id'] }).headers['x-gitlab-instance-id'],
      undefined,
    );
    const mismatched = t.render(values, { mismatch: ['x-gitlab-instance-id'] }).headers[
      'x-gitlab-instance-id'
    ];
    assert.ok(mismatched !== undefined && mismatched !== 'inst-42', mismatched);
  });

  it('leaves out a header whose claim the token lacks', () => {
    const t = compileTemplate({ path: '/{{claims.missing}}', headers: { 'X-Id': '{{claims.instance_id}}' } });
    const r = t.render({ ...values, claims: {} });
    assert.equal(r.headers['x-id'], undefined);
    assert.equal(r.path, '/');
    assert.equal(r.headers.authorization, 'Bearer tok.en.sig');
  });

  it('rejects bad templates naming the field', () => {
    assert.throws(() => compileTemplate({ path: 'no-slash' }), /template\.path: must start with '\/'/);
    assert.throws(() => compileTemplate({ path: '/', method: 'GE T' }), /template\.method/);
    assert.throws(
      () => compileTemplate({ path: '/', headers: { 'X-A': '{{claim.x}}' } }),
      /template\.headers\.X-A: unknown placeholder \{\{claim\.x\}\}/,
    );
    assert.throws(() => compileTemplate({ path: '/{{token' }), /unbalanced/);
    assert.throws(() => compileTemplate({ path: '/', headers: { 'x-a': '1', 'X-A': '2' } }), /given twice/);
    assert.throws(() => compileTemplate({ path: '/', headers: { 'bad header': '1' } }), /not a header name/);
  });
});
