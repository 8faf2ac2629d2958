import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createFaultPlan } from '../../../mock-idp/faults/fault-plan.ts';
import type { FaultEvent, FaultPlan } from '../../../mock-idp/faults/fault-plan.ts';
import type { FaultSpec } from '../../../mock-idp/faults/types.ts';
import { drawLatency } from '../../../mock-idp/faults/kinds/latency.ts';
import { createRandom } from '../../../src/util/random.ts';
import { httpGet, startDataPlane } from './loopback-data-plane.ts';
import type { DataPlane } from './loopback-data-plane.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends n sequential JWKS requests and returns the 1-based indices that got a 503. */
async function faultedIndices(plane: DataPlane, n: number, path = '/gitlab/jwks'): Promise<number[]> {
  const hits: number[] = [];
  for (let i = 1; i <= n; i++) {
    const r = await httpGet(`${plane.url}${path}`);
    if (r.status === 503) hits.push(i);
  }
  return hits;
}

async function withPlane<T>(plan: FaultPlan, run: (plane: DataPlane) => Promise<T>): Promise<T> {
  const plane = await startDataPlane({ plan });
  try {
    return await run(plane);
  } finally {
    plan.clear();
    await plane.close();
  }
}

const STATUS_503 = { kind: 'status', attributes: { status: 503 } } as const;

describe('fault scheduling', () => {
  it('reproduces the same faulted requests for the same seed, and a different pattern for another', async () => {
    const pattern = async (seed: number) => {
      const plan = createFaultPlan({ random: createRandom(1234) });
      return withPlane(plan, async (plane) => {
        plan.add({ ...STATUS_503, schedule: { probability: 0.3, seed } });
        return faultedIndices(plane, 60);
      });
    };
    const a = await pattern(42);
    const b = await pattern(42);
    const c = await pattern(43);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.ok(a.length >= 6 && a.length <= 32, `faulted ${a.length}/60 at p=0.3`);
  });

  it('derives a reproducible stream from the provider seed when the fault has none', async () => {
    const pattern = async (providerSeed: number) => {
      const plan = createFaultPlan({ random: createRandom(providerSeed) });
      return withPlane(plan, async (plane) => {
        plan.add({ ...STATUS_503, schedule: { probability: 0.5 } });
        return faultedIndices(plane, 40);
      });
    };
    assert.deepEqual(await pattern(7), await pattern(7));
    assert.notDeepEqual(await pattern(7), await pattern(8));
  });

  it('fails only the first N requests in scope', async () => {
    const plan = createFaultPlan({ random: createRandom(1) });
    const hits = await withPlane(plan, async (plane) => {
      plan.add({ ...STATUS_503, schedule: { firstN: 3 } });
      return faultedIndices(plane, 8);
    });
    assert.deepEqual(hits, [1, 2, 3]);
  });

  it('fails every Nth request in scope', async () => {
    const plan = createFaultPlan({ random: createRandom(1) });
    const hits = await withPlane(plan, async (plane) => {
      const f = plan.add({ ...STATUS_503, schedule: { everyNth: 3 } });
      const result = await faultedIndices(plane, 10);
      const record = plan.get(f.id);
      assert.equal(record?.matched, 10);
      assert.equal(record?.applied, 3);
      return result;
    });
    assert.deepEqual(hits, [3, 6, 9]);
  });

  it('combines every-Nth with first-N on the in-scope count', async () => {
    const plan = createFaultPlan({ random: createRandom(1) });
    const hits = await withPlane(plan, async (plane) => {
      plan.add({ ...STATUS_503, schedule: { everyNth: 2, firstN: 5 } });
      return faultedIndices(plane, 10);
    });
    assert.deepEqual(hits, [2, 4]);
  });

  it('acts only inside its time window (relative to creation)', async () => {
    let clock = 1_000_000;
    const plan = createFaultPlan({ random: createRandom(1), now: () => clock });
    await withPlane(plan, async (plane) => {
      plan.add({ ...STATUS_503, schedule: { window: { start: '10s', end: '20s' } } });
      assert.deepEqual(await faultedIndices(plane, 2), []);
      clock += 10_000;
      assert.deepEqual(await faultedIndices(plane, 2), [1, 2]);
      clock += 10_000;
      assert.deepEqual(await faultedIndices(plane, 2), []);
    });
  });

  it('drops a fault when its TTL expires: gone from the list, no longer acting, event emitted', async () => {
    const events: FaultEvent[] = [];
    const plan = createFaultPlan({ random: createRandom(1), onEvent: (e) => events.push(e) });
    await withPlane(plan, async (plane) => {
      const f = plan.add({ ...STATUS_503, ttl: '300ms' });
      assert.equal(f.ttlMs, 300);
      assert.equal(Date.parse(f.expiresAt) - Date.parse(f.createdAt), 300);
      assert.equal((await httpGet(`${plane.url}/gitlab/jwks`)).status, 503);
      await sleep(450);
      assert.deepEqual(plan.list(), []);
      assert.equal(plan.idle, true);
      assert.equal((await httpGet(`${plane.url}/gitlab/jwks`)).status, 200);
    });
    assert.deepEqual(
      events.map((e) => e.type),
      ['fault.added', 'fault.expired'],
    );
  });

  it('stops acting at expiry even before the timer fires (clock checked per request)', async () => {
    let clock = 5_000_000;
    const plan = createFaultPlan({ random: createRandom(1), now: () => clock });
    await withPlane(plan, async (plane) => {
      plan.add({ ...STATUS_503, ttl: '1m' });
      assert.equal((await httpGet(`${plane.url}/gitlab/jwks`)).status, 503);
      clock += 60_000;
      assert.equal((await httpGet(`${plane.url}/gitlab/jwks`)).status, 200);
      assert.deepEqual(plan.list(), []);
    });
  });

  it('defaults the TTL to 5 minutes', () => {
    const plan = createFaultPlan({ random: createRandom(1) });
    const f = plan.add({ kind: 'reset' });
    assert.equal(f.ttlMs, 5 * 60_000);
    plan.clear();
  });
});

describe('fault scope', () => {
  let plan: FaultPlan;
  let plane: DataPlane;
  before(async () => {
    plan = createFaultPlan({ random: createRandom(3) });
    plane = await startDataPlane({ plan });
  });
  after(async () => {
    plan.clear();
    await plane.close();
  });

  const statusOf = async (path: string, headers: Record<string, string> = {}) =>
    (await httpGet(`${plane.url}${path}`, { headers })).status;

  const scoped = async (scope: FaultSpec['scope'], check: () => Promise<void>) => {
    const f = plan.add({ ...STATUS_503, scope });
    try {
      await check();
    } finally {
      plan.remove(f.id);
    }
  };

  it('matches by issuer', () =>
    scoped({ issuer: 'gitlab' }, async () => {
      assert.equal(await statusOf('/gitlab/jwks'), 503);
      assert.equal(await statusOf('/customers/jwks'), 200);
    }));

  it('matches by endpoint (one or several)', () =>
    scoped({ endpoint: ['discovery', 'token'] }, async () => {
      assert.equal(await statusOf('/gitlab/.well-known/openid-configuration'), 503);
      assert.equal(await statusOf('/gitlab/token'), 503);
      assert.equal(await statusOf('/gitlab/jwks'), 200);
    }));

  it('matches by client id from the /_c/ prefix or the x-keystorm-client header', () =>
    scoped({ client: 'replica-1' }, async () => {
      assert.equal(await statusOf('/_c/replica-1/gitlab/jwks'), 503);
      assert.equal(await statusOf('/_c/replica-2/gitlab/jwks'), 200);
      assert.equal(await statusOf('/gitlab/jwks', { 'x-keystorm-client': 'replica-1' }), 503);
      assert.equal(await statusOf('/gitlab/jwks'), 200);
    }));

  it('matches by an arbitrary request header (presence or exact value)', async () => {
    await scoped({ header: { name: 'X-Canary' } }, async () => {
      assert.equal(await statusOf('/gitlab/jwks', { 'x-canary': 'anything' }), 503);
      assert.equal(await statusOf('/gitlab/jwks'), 200);
    });
    await scoped({ header: { name: 'user-agent', value: 'sut/1' } }, async () => {
      assert.equal(await statusOf('/gitlab/jwks', { 'user-agent': 'sut/1' }), 503);
      assert.equal(await statusOf('/gitlab/jwks', { 'user-agent': 'sut/2' }), 200);
    });
  });

  it('matches by source address', () =>
    scoped({ remoteAddress: '127.0.0.1' }, async () => {
      assert.equal(await statusOf('/gitlab/jwks'), 503);
    }).then(() =>
      scoped({ remoteAddress: '127.0.0.9' }, async () => {
        assert.equal(await statusOf('/gitlab/jwks'), 200);
      }),
    ));

  it('combines issuer × endpoint × client', () =>
    scoped({ issuer: 'gitlab', endpoint: 'jwks', client: 'a' }, async () => {
      assert.equal(await statusOf('/_c/a/gitlab/jwks'), 503);
      assert.equal(await statusOf('/_c/a/customers/jwks'), 200);
      assert.equal(await statusOf('/_c/a/gitlab/token'), 200);
      assert.equal(await statusOf('/_c/b/gitlab/jwks'), 200);
    }));
});

describe('latency distributions', () => {
  const draws = (attributes: Parameters<typeof drawLatency>[0], seed: number, n = 4000) => {
    const random = createRandom(seed);
    return Array.from({ length: n }, () => drawLatency(attributes, random));
  };
  const base = { ms: 100, jitter: 0, distribution: 'fixed', sigma: 1, alpha: 1.5, cap: 60_000 } as const;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

  it('keeps jitter within ±jitter of the base', () => {
    const xs = draws({ ...base, jitter: 40 }, 5);
    assert.ok(Math.min(...xs) >= 60 && Math.max(...xs) <= 140);
    assert.ok(Math.max(...xs) - Math.min(...xs) > 60, 'jitter must spread the values');
  });

  it('draws a lognormal tail around the median, capped', () => {
    const xs = draws({ ...base, distribution: 'lognormal', sigma: 1, cap: 2000 }, 6);
    assert.ok(Math.abs(median(xs) - 100) < 15, `median ${median(xs)}`);
    assert.ok(Math.max(...xs) <= 2000);
    assert.ok(xs.filter((x) => x > 500).length > 20, 'a long tail exists');
  });

  it('draws a Pareto tail above the scale, capped', () => {
    const xs = draws({ ...base, distribution: 'pareto', alpha: 1.2, cap: 5000 }, 7);
    assert.ok(Math.min(...xs) >= 100);
    assert.ok(Math.max(...xs) <= 5000);
    assert.ok(xs.filter((x) => x > 1000).length > 20, 'a long tail exists');
  });

  it('is reproducible for a seed', () => {
    assert.deepEqual(
      draws({ ...base, distribution: 'lognormal' }, 11, 50),
      draws({ ...base, distribution: 'lognormal' }, 11, 50),
    );
  });
});
