import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { withDeadline } from '../../src/util/deadline.ts';

describe('withDeadline', () => {
  it('settles at the deadline even when the work ignores its signal and never settles', async () => {
    let seen: AbortSignal | undefined;
    const never = (signal: AbortSignal) => {
      seen = signal;
      return new Promise<never>(() => undefined);
    };
    await assert.rejects(withDeadline(30, new AbortController().signal, never), { name: 'TimeoutError' });
    assert.equal(seen?.aborted, true, 'the work was told to stop');
  });

  it('rejects with the outer reason when the outer signal aborts first', async () => {
    const outer = new AbortController();
    const pending = withDeadline(10_000, outer.signal, () => new Promise<never>(() => undefined));
    outer.abort(new DOMException('stopped', 'AbortError'));
    await assert.rejects(pending, { name: 'AbortError' });
  });

  it("returns the work's result when it finishes in time", async () => {
    assert.equal(await withDeadline(1_000, new AbortController().signal, () => Promise.resolve(42)), 42);
  });
});
