import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Waker } from '../../src/load/waker.ts';

describe("waker (the open model's sleep until a start is due)", () => {
  it('never calls back before the due time, for waits below and above the timer lead', async () => {
    const waker = new Waker(() => performance.now());
    for (const ms of [0, 0.3, 1.5, 2.5, 7, 20]) {
      const due = performance.now() + ms;
      const woke = await new Promise<number>((resolve) => waker.at(due, () => resolve(performance.now())));
      assert.ok(woke >= due, `${ms} ms: woke ${(due - woke).toFixed(3)} ms early`);
    }
  });

  it('serves other callbacks while it waits (the event loop keeps turning)', async () => {
    const waker = new Waker(() => performance.now());
    let turns = 0;
    const spinner = setInterval(() => turns++, 1);
    await new Promise<void>((resolve) => waker.at(performance.now() + 40, resolve));
    clearInterval(spinner);
    assert.ok(turns >= 5, `only ${turns} timer turns in 40 ms`);
  });

  it('keeps wakes at least the minimum interval apart, so close starts share one wake', async () => {
    const waker = new Waker(() => performance.now(), { minIntervalMs: 3 });
    const first = await new Promise<number>((resolve) =>
      waker.at(performance.now(), () => resolve(performance.now())),
    );
    const second = await new Promise<number>((resolve) =>
      waker.at(first + 0.1, () => resolve(performance.now())),
    );
    assert.ok(second - first >= 3, `second wake ${(second - first).toFixed(3)} ms after the first`);
  });

  it('drops a cancelled wake and replaces a pending one', async () => {
    const waker = new Waker(() => performance.now());
    const calls: string[] = [];
    waker.at(performance.now() + 1, () => calls.push('cancelled'));
    waker.cancel();
    waker.at(performance.now() + 1, () => calls.push('replaced'));
    await new Promise<void>((resolve) => waker.at(performance.now() + 5, resolve));
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(calls, []);
  });
});
