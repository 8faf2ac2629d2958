import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeJwt } from 'jose';
import { after, before, describe, it } from 'node:test';
import { startMockIdp } from '../../mock-idp/index.ts';
import type { MockIdp } from '../../mock-idp/index.ts';
import type { RequestContext, RequestSpec } from '../../src/load/types.ts';
import type { RequestKindInput } from '../../src/scenario/define.ts';
import { RequestMix } from '../../src/scenario/request-mix.ts';
import type { MixOptions } from '../../src/scenario/request-mix.ts';
import { checkScenario } from '../../src/scenario/validate.ts';
import { createRandom } from '../../src/util/random.ts';

function ctx(seq: number): RequestContext {
  return { seq, phase: 'steady', phaseIndex: 0, vu: -1, intendedMs: seq };
}

// Requests are produced, never sent: the target is a closed port the test never contacts.
describe('the request mix against a real mock-idp', () => {
  let idp: MockIdp;
  const mixes: RequestMix[] = [];

  before(async () => {
    idp = await startMockIdp({ seed: 5, alg: 'ES256' });
  });
  after(async () => {
    await Promise.all(mixes.map((m) => m.close()));
    await idp.close();
  });

  async function started(mix: RequestKindInput[], options: Partial<MixOptions> = {}): Promise<RequestMix> {
    const m = new RequestMix({
      idp,
      tokenUrl: (issuer) => idp.issuers.find((i) => i.name === issuer)?.tokenUrl ?? '',
      defaultIssuer: 'gitlab',
      routes: {
        default: {
          path: '/v1/ask',
          headers: { 'X-Instance': '{{claims.gitlab_instance_id}}' },
          expect: [200],
        },
      },
      phaseMixes: [mix],
      targets: () => ['http://127.0.0.1:9/'],
      random: createRandom(1),
      seed: 1,
      clientsPerIssuer: 2,
      tokenLifetimeS: 600,
      allowHosts: [],
      ...options,
    });
    mixes.push(m);
    await m.start();
    return m;
  }

  async function take(m: RequestMix, n: number, from = 0): Promise<RequestSpec[]> {
    const out: RequestSpec[] = [];
    for (let i = 0; i < n; i++) out.push(await m.source(ctx(from + i)));
    return out;
  }

  it("tags each pooled request with its token's state and takes every expectation from the table", async () => {
    const m = await started([
      { kind: 'valid', share: 1 },
      { kind: 'reused', share: 1, token: 'pool-reused' },
      { kind: 'expired', share: 1, token: 'expired' },
      { kind: 'anonymous', share: 1, token: 'none' },
      { kind: 'mismatch', share: 1, headers: 'mismatch' },
      { kind: 'scope', share: 1, token: 'missing-scope' },
    ]);
    const byKind = new Map<string, RequestSpec[]>();
    for (const spec of await take(m, 120))
      byKind.set(spec.kind ?? '', [...(byKind.get(spec.kind ?? '') ?? []), spec]);
    const one = (kind: string): RequestSpec[] => {
      const specs = byKind.get(kind) ?? [];
      assert.ok(specs.length > 0, `${kind} was drawn`);
      return specs;
    };
    for (const spec of one('valid')) {
      assert.deepEqual(spec.tags, ['fresh']);
      assert.deepEqual(spec.expect, [200]); // the route's expect: the table's success row
    }
    for (const spec of one('reused')) assert.deepEqual([spec.tags, spec.expect], [['fresh'], [200]]);
    assert.equal(new Set(one('reused').map((s) => s.headers?.authorization)).size, 1);
    for (const spec of one('expired')) assert.deepEqual([spec.tags, spec.expect], [undefined, [401]]);
    for (const spec of one('anonymous')) {
      assert.deepEqual([spec.tags, spec.expect], [undefined, [401]]);
      assert.equal(spec.headers?.authorization, undefined);
    }
    for (const spec of one('mismatch')) assert.deepEqual([spec.tags, spec.expect], [['fresh'], [401]]);
    for (const spec of one('scope')) assert.deepEqual([spec.tags, spec.expect], [undefined, [403]]);
  });

  it('tags the first use of each renewed token refreshed, and keeps the reused token through it', async () => {
    const m = await started([
      { kind: 'valid', share: 1 },
      { kind: 'reused', share: 1, token: 'pool-reused' },
    ]);
    const before = await take(m, 20);
    const reusedToken = before.find((s) => s.kind === 'reused')?.headers?.authorization;
    await m.forceRefresh();
    const afterRefresh = (await take(m, 40, 20)).filter((s) => s.kind === 'valid');
    // Two clients: the first two pooled requests carry renewed tokens, the rest are fresh again.
    assert.deepEqual(
      afterRefresh.map((s) => s.tags?.[0]),
      ['refreshed', 'refreshed', ...afterRefresh.slice(2).map(() => 'fresh')],
    );
    const reused = (await take(m, 20, 60)).filter((s) => s.kind === 'reused');
    assert.ok(reused.length > 0 && reused.every((s) => s.headers?.authorization === reusedToken));
  });

  it("keeps the careless canary's token from before a scope change while refreshing clients get the narrower one", async () => {
    // stale-claims' blind spot, at the source: the provider drops a scope, clients refresh, and
    // only the reused token still carries it (so the SUT keeps answering it 200).
    const issuer = 'customersdot';
    const m = await started([
      { kind: 'refreshing', share: 1, issuer },
      { kind: 'reused', share: 1, issuer, token: 'pool-reused' },
    ]);
    const original = await idp.admin.issuers.get(issuer);
    const scopeOf = (spec: RequestSpec): unknown =>
      decodeJwt((spec.headers?.authorization ?? '').replace(/^Bearer /, '')).scope;
    try {
      await idp.admin.issuers.update(issuer, { scopes: ['narrow'] });
      await m.forceRefresh();
      const specs = await take(m, 40);
      const refreshing = specs.filter((s) => s.kind === 'refreshing');
      const reused = specs.filter((s) => s.kind === 'reused');
      assert.ok(refreshing.length > 0 && reused.length > 0);
      assert.ok(
        refreshing.every((s) => scopeOf(s) === 'narrow'),
        JSON.stringify(refreshing.map(scopeOf)),
      );
      assert.ok(
        reused.every((s) => scopeOf(s) === original.scopes.join(' ')),
        JSON.stringify(reused.map(scopeOf)),
      );
      assert.ok(reused.every((s) => s.tags?.[0] === 'fresh'));
    } finally {
      await idp.admin.issuers.update(issuer, { scopes: original.scopes });
    }
  });

  it('expects the kept token of a careless canary to be refused once it has expired, whatever its entry says', async () => {
    const m = await started([{ kind: 'reused', share: 1, token: 'pool-reused', expect: [200] }], {
      tokenLifetimeS: 1,
    });
    const [early] = await take(m, 1);
    assert.deepEqual(early?.expect, [200]);
    assert.notEqual(early?.tags?.[0], 'stale');
    await sleep(1100);
    const [late] = await take(m, 1, 1);
    assert.deepEqual([late?.tags, late?.expect], [['stale'], [401]]);
    assert.equal(late?.headers?.authorization, early?.headers?.authorization);
  });

  it('sends a pooled token its client could not renew as stale, expected 401', async () => {
    const m = await started([{ kind: 'valid', share: 1, expect: [200] }], {
      tokenLifetimeS: 1,
      clientsPerIssuer: 1,
    });
    const fault = await idp.admin.faults.add({
      kind: 'status',
      scope: { issuer: 'gitlab', endpoint: 'token' },
      attributes: { status: 503 },
    });
    try {
      await sleep(1100);
      const [spec] = await take(m, 1);
      assert.deepEqual([spec?.tags, spec?.expect], [['stale'], [401]]);
      assert.match(spec?.headers?.authorization ?? '', /^Bearer ey/);
    } finally {
      await idp.admin.faults.remove(fault.id);
    }
  });
});

describe('mix entry names', () => {
  it('may not be a token state: the state is a tag of its own, so the entry would blur it', () => {
    const problems = checkScenario(
      {
        name: 'named-fresh',
        hypothesis: 'an entry named after a token state',
        load: {
          phases: [{ name: 'steady', rate: 1, duration: '1s', mix: [{ kind: 'stale', share: 1 }] }],
          mix: [{ kind: 'fresh', share: 1 }],
        },
        slos: [{ metric: 'unexpected_rate', threshold: 'rate==0' }],
      },
      'named-fresh',
      { issuers: ['gitlab'], routes: ['default'] },
    );
    assert.deepEqual(problems.map((p) => p.path).sort(), [
      'named-fresh.load.mix[0].kind',
      'named-fresh.load.phases[0].mix[0].kind',
    ]);
    assert.match(problems[0]?.message ?? '', /names a token state .*name the entry after what it sends/);
  });
});
