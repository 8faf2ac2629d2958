import assert from 'node:assert/strict';
import { createServer, get as httpGetRaw } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { AdminInputError, AdminNotFoundError } from '../../../mock-idp/contracts.ts';
import type { AdminRoute } from '../../../mock-idp/contracts.ts';
import { createFaultPlan } from '../../../mock-idp/faults/fault-plan.ts';
import { createMeasurements } from '../../../mock-idp/measure/measurements.ts';
import type { Measurements } from '../../../mock-idp/measure/measurements.ts';
import { createRandom } from '../../../src/util/random.ts';

function routesOf(m: Measurements) {
  const routes = m.routes();
  return async (
    method: AdminRoute['method'],
    pattern: string,
    opts: { query?: string; body?: unknown } = {},
  ) => {
    const route = routes.find((r) => r.method === method && r.pattern === pattern);
    assert.ok(route, `route ${method} ${pattern}`);
    return route.handle({ params: {}, query: new URLSearchParams(opts.query ?? ''), body: opts.body });
  };
}

async function rejectsWithProblem(promise: Promise<unknown>, path: string): Promise<void> {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof AdminInputError, String(e));
    assert.ok(
      e.problems.some((p) => p.path === path),
      `expected a problem at ${path}: ${JSON.stringify(e.problems)}`,
    );
    return true;
  });
}

describe('measurement admin routes', () => {
  it('opens marks and reads stats since them', async () => {
    const m = createMeasurements();
    const call = routesOf(m);
    const created = await call('POST', '/stats/marks', { body: { name: 'baseline' } });
    assert.equal(created.status, 201);
    assert.equal((created.body as { name: string }).name, 'baseline');
    const stats = await call('GET', '/stats', { query: 'since=baseline&client=r1' });
    assert.equal(stats.status, 200);
    assert.deepEqual(Object.keys((stats.body as { clients: object }).clients), ['r1']);
    assert.deepEqual((await call('GET', '/stats/marks')).body, {
      marks: [{ name: 'baseline', at: (created.body as { at: string }).at }],
    });
    assert.equal((await call('POST', '/stats/reset')).status, 204);
    assert.deepEqual((await call('GET', '/stats/marks')).body, { marks: [] });
  });

  it('rejects bad input naming the field, and unknown marks with 404', async () => {
    const call = routesOf(createMeasurements({ journalSize: 50 }));
    await rejectsWithProblem(call('POST', '/stats/marks', { body: { name: '' } }), 'name');
    await rejectsWithProblem(call('POST', '/stats/marks', { body: { name: 'ok', extra: 1 } }), 'extra');
    await rejectsWithProblem(call('POST', '/stats/marks', { body: 'phase' }), '(root)');
    await rejectsWithProblem(call('POST', '/stats/marks', {}), 'name');
    await rejectsWithProblem(call('GET', '/journal', { query: 'limit=0' }), 'limit');
    await rejectsWithProblem(call('GET', '/journal', { query: 'limit=51' }), 'limit');
    await rejectsWithProblem(call('GET', '/journal', { query: 'limit=abc' }), 'limit');
    await rejectsWithProblem(call('GET', '/events', { query: 'after=-1' }), 'after');
    await rejectsWithProblem(call('GET', '/stats', { query: 'since=' }), 'since');
    await assert.rejects(call('GET', '/stats', { query: 'since=never' }), AdminNotFoundError);
    assert.equal((await call('GET', '/journal', { query: 'limit=50' })).status, 200);
  });
});

describe('event stream', () => {
  it('collects provider, fault and mark events and serves them as JSON and Server-Sent Events', async () => {
    const m = createMeasurements();
    const plan = createFaultPlan({ random: createRandom(1), onEvent: (e) => m.onEvent(e) });
    m.onEvent({ type: 'key.rotated', issuer: 'gitlab', detail: { kid: 'k2' } });
    const fault = plan.add({ kind: 'reset', ttl: '10s' });
    m.mark('phase');
    plan.remove(fault.id);
    const types = m.events().map((e) => e.type);
    assert.deepEqual(types, ['key.rotated', 'fault.added', 'mark', 'fault.removed']);
    assert.deepEqual(
      m.events(2).map((e) => e.seq),
      [3, 4],
    );

    const server = createServer((req, res) => m.eventStream(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const received = await new Promise<string>((resolve, reject) => {
        let text = '';
        const req = httpGetRaw(
          {
            host: '127.0.0.1',
            port,
            path: '/events',
            headers: { accept: 'text/event-stream', 'last-event-id': '3' },
          },
          (res) => {
            assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              text += chunk;
              if (text.includes('event: key.revoked')) {
                req.destroy();
                resolve(text);
              }
            });
            // Once replay has arrived, publish a live event.
            setTimeout(() => m.onEvent({ type: 'key.revoked', issuer: 'gitlab' }), 50);
          },
        );
        req.on('error', (e) => (text.includes('key.revoked') ? resolve(text) : reject(e)));
        setTimeout(() => reject(new Error(`no live event; got ${text}`)), 5000).unref();
      });
      assert.match(received, /id: 4\nevent: fault\.removed\ndata: \{/);
      assert.doesNotMatch(received, /event: mark/, 'events up to Last-Event-ID are not replayed');
      assert.match(received, /event: key\.revoked\ndata: \{"seq":5,/);
    } finally {
      m.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
