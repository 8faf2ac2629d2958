import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkHeaders, grantedScopes } from '../../examples/gateway/routes.ts';
import { withClientPrefix } from '../../examples/gateway/outbound.ts';

const PAIRS = [
  { header: 'X-Gitlab-Instance-Id', claim: 'gitlab_instance_id', optional: false },
  { header: 'X-Gitlab-Duo-Seat-Count', claim: 'seat_count', optional: true },
];

describe('gateway route checks', () => {
  it('reads scopes from a space-separated scope, a scopes array or scp', () => {
    assert.deepEqual([...grantedScopes({ scope: 'code_suggestions duo_chat' })].sort(), [
      'code_suggestions',
      'duo_chat',
    ]);
    assert.deepEqual([...grantedScopes({ scopes: ['duo_chat'] })], ['duo_chat']);
    assert.deepEqual([...grantedScopes({ scp: ['a', 7] })], ['a']);
    assert.equal(grantedScopes({}).size, 0);
  });

  it('reports a missing required header before comparing anything', () => {
    assert.deepEqual(checkHeaders(PAIRS, {}, { gitlab_instance_id: 'i-1' }), {
      kind: 'missing',
      header: 'X-Gitlab-Instance-Id',
    });
  });

  it('reports a header that disagrees with its claim, comparing numbers as text', () => {
    const headers = { 'x-gitlab-instance-id': 'i-1', 'x-gitlab-duo-seat-count': '99' };
    assert.deepEqual(checkHeaders(PAIRS, headers, { gitlab_instance_id: 'i-1', seat_count: 100 }), {
      kind: 'mismatch',
      header: 'X-Gitlab-Duo-Seat-Count',
    });
    assert.equal(
      checkHeaders(
        PAIRS,
        { ...headers, 'x-gitlab-duo-seat-count': '100' },
        { gitlab_instance_id: 'i-1', seat_count: 100 },
      ),
      undefined,
    );
  });

  it('requires an optional header only when the token pins its claim', () => {
    const headers = { 'x-gitlab-instance-id': 'i-1' };
    assert.equal(checkHeaders(PAIRS, headers, { gitlab_instance_id: 'i-1' }), undefined);
    assert.deepEqual(checkHeaders(PAIRS, headers, { gitlab_instance_id: 'i-1', seat_count: 5 }), {
      kind: 'missing',
      header: 'X-Gitlab-Duo-Seat-Count',
    });
  });

  it('inserts the replica prefix after the origin exactly once', () => {
    assert.equal(
      withClientPrefix('http://127.0.0.1:9/gitlab/jwks', undefined),
      'http://127.0.0.1:9/gitlab/jwks',
    );
    assert.equal(
      withClientPrefix('http://127.0.0.1:9/gitlab/jwks', 'replica-1'),
      'http://127.0.0.1:9/_c/replica-1/gitlab/jwks',
    );
    assert.equal(
      withClientPrefix('http://127.0.0.1:9/_c/replica-1/gitlab/jwks', 'replica-1'),
      'http://127.0.0.1:9/_c/replica-1/gitlab/jwks',
    );
  });
});
