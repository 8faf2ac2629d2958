import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdminInputError, AdminNotFoundError } from '../../../mock-idp/contracts.ts';
import type { AdminRoute } from '../../../mock-idp/contracts.ts';
import { createFaultPlan } from '../../../mock-idp/faults/fault-plan.ts';
import type { FaultRecord } from '../../../mock-idp/faults/types.ts';
import { createRandom } from '../../../src/util/random.ts';

function setup() {
  const plan = createFaultPlan({ random: createRandom(1) });
  const routes = plan.routes((name) => name === 'gitlab' || name === 'customers');
  const call = async (
    method: AdminRoute['method'],
    pattern: string,
    body?: unknown,
    params: Record<string, string> = {},
  ) => {
    const route = routes.find((r) => r.method === method && r.pattern === pattern);
    assert.ok(route, `route ${method} ${pattern}`);
    return route.handle({ params, query: new URLSearchParams(), body });
  };
  return { plan, call };
}

async function problemsOf(promise: Promise<unknown>): Promise<Map<string, string>> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AdminInputError, `expected AdminInputError, got ${String(error)}`);
    assert.equal(error.status, 400);
    return new Map(error.problems.map((p) => [p.path, p.message]));
  }
  assert.fail('expected the spec to be rejected');
}

describe('fault admin routes', () => {
  it('installs a fault: 201 with id and expiresAt, then lists, gets and deletes it', async () => {
    const { call } = setup();
    const created = await call('POST', '/faults', {
      kind: 'latency',
      scope: { issuer: 'gitlab' },
      attributes: { ms: '2s' },
    });
    assert.equal(created.status, 201);
    const record = created.body as FaultRecord;
    assert.match(record.id, /^fault-\d+$/);
    assert.ok(Date.parse(record.expiresAt) > Date.now());
    assert.deepEqual(record.scope, { issuer: ['gitlab'] });
    assert.equal(record.attributes.ms, 2000);
    assert.deepEqual((await call('GET', '/faults')).body, { faults: [record] });
    assert.deepEqual((await call('GET', '/faults/:id', undefined, { id: record.id })).body, record);
    assert.equal((await call('DELETE', '/faults/:id', undefined, { id: record.id })).status, 204);
    await assert.rejects(call('DELETE', '/faults/:id', undefined, { id: record.id }), AdminNotFoundError);
    await assert.rejects(call('GET', '/faults/:id', undefined, { id: 'fault-999' }), AdminNotFoundError);
  });

  it('clears every fault with DELETE /faults', async () => {
    const { plan, call } = setup();
    await call('POST', '/faults', { kind: 'reset' });
    await call('POST', '/faults', { kind: 'hang' });
    assert.equal((await call('DELETE', '/faults')).status, 204);
    assert.equal(plan.idle, true);
  });

  it('names every bad field by its dotted path and installs nothing', async () => {
    const { plan, call } = setup();
    const problems = await problemsOf(
      call('POST', '/faults', {
        kind: 'latency',
        ttl: '3h',
        surprise: true,
        scope: { endpoint: ['jwks', 'keys'], header: { name: 'bad header' } },
        schedule: { probability: 1.5, everyNth: 0, window: { start: '5s', end: '1s' } },
        attributes: { ms: 'soon', distribution: 'cauchy', extra: 1 },
      }),
    );
    for (const path of [
      'ttl',
      'surprise',
      'scope.endpoint[1]',
      'scope.header.name',
      'schedule.probability',
      'schedule.everyNth',
      'schedule.window.end',
      'attributes.ms',
      'attributes.distribution',
      'attributes.extra',
    ]) {
      assert.ok(problems.has(path), `missing problem for ${path}; got ${[...problems.keys()].join(', ')}`);
    }
    assert.match(problems.get('attributes.ms') ?? '', /not a duration/);
    assert.match(problems.get('ttl') ?? '', /at most/);
    assert.equal(plan.list().length, 0);
  });

  it('rejects an unknown kind, a missing body and a kind on an endpoint it cannot act on', async () => {
    const { call } = setup();
    assert.ok((await problemsOf(call('POST', '/faults', { kind: 'meteor' }))).has('kind'));
    assert.ok((await problemsOf(call('POST', '/faults', undefined))).has('(root)'));
    assert.ok((await problemsOf(call('POST', '/faults', [1, 2]))).has('(root)'));
    assert.ok((await problemsOf(call('POST', '/faults', { kind: 'latency' }))).has('attributes'));
    const endpoint = await problemsOf(
      call('POST', '/faults', { kind: 'empty-keys', scope: { endpoint: 'token' } }),
    );
    assert.match(endpoint.get('scope.endpoint') ?? '', /only on jwks/);
  });

  it('answers 404 for an unknown issuer and installs nothing', async () => {
    const { plan, call } = setup();
    await assert.rejects(
      call('POST', '/faults', { kind: 'reset', scope: { issuer: ['gitlab', 'nope'] } }),
      (e) => {
        assert.ok(e instanceof AdminNotFoundError);
        assert.match(e.message, /nope/);
        return true;
      },
    );
    assert.equal(plan.list().length, 0);
    assert.equal(
      (await call('POST', '/faults', { kind: 'reset', scope: { issuer: 'customers' } })).status,
      201,
    );
  });
});
