/**
 * Many requests waiting under one fault at once (a naive key cache stampeding a slow JWKS
 * endpoint) each listen on the fault's abort signal until their wait ends. That is expected
 * concurrency, not a leak, and must not print a MaxListenersExceededWarning.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startMockIdp, type MockIdp } from '../../../mock-idp/index.ts';

describe('concurrent waits under one HTTP fault', () => {
  let idp: MockIdp;
  const warnings: Error[] = [];
  const onWarning = (warning: Error): void => void warnings.push(warning);

  before(async () => {
    idp = await startMockIdp({ seed: 1 });
    process.on('warning', onWarning);
  });
  after(async () => {
    process.off('warning', onWarning);
    await idp.close();
  });

  it('delays 40 concurrent JWKS fetches without a MaxListenersExceededWarning', async () => {
    await idp.admin.faults.add({ kind: 'latency', scope: { endpoint: 'jwks' }, attributes: { ms: '300ms' } });
    const url = idp.urlsFor('gitlab').jwksUrl;
    const replies = await Promise.all(Array.from({ length: 40 }, () => fetch(url).then((r) => r.status)));
    assert.deepEqual(new Set(replies), new Set([200]));
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message),
      [],
    );
  });
});
