/**
 * The provider sampler against a real mock-idp: it reads a second at a time, and a mark mock-idp
 * no longer has (here: pushed out by the cap on marks) costs one reading, not every later one.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';

import { startMockIdp } from '../../mock-idp/index.ts';
import type { MockIdp } from '../../mock-idp/index.ts';
import { MAX_MARKS } from '../../mock-idp/measure/state.ts';
import { IdpSampler } from '../../src/scenario/idp-sampler.ts';

describe('IdpSampler', () => {
  let idp: MockIdp;
  before(async () => {
    idp = await startMockIdp({ issuers: ['gitlab'], seed: 7 });
  });
  after(() => idp.close());

  it('keeps reading after the mark it reads peaks since is gone, losing at most one second', async () => {
    const started = performance.now();
    const sampler = new IdpSampler(idp, () => performance.now() - started);
    await sampler.start();
    await sleep(1_300);
    // Someone else's marks push the sampler's out of mock-idp's bounded list.
    for (let i = 0; i < MAX_MARKS; i++) await idp.admin.stats.mark(`other-${i}`);
    await sleep(2_000);
    await sampler.stop();
    assert.ok(sampler.failures <= 1, `${sampler.failures} failed readings (${sampler.lastError ?? ''})`);
    const afterLoss = sampler.seconds.filter((s) => s.t >= 2);
    assert.ok(afterLoss.length >= 1, `seconds read: ${sampler.seconds.map((s) => s.t).join(', ')}`);
  });
});
