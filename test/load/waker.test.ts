import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_BUSY_BLOCK_MS, Waker } from '../../src/load/waker.ts';

/** Longer than any wait the waker would make on its own step: the idle wait covers the gap. */
const SHORT_WAIT_MS = 2;

/** Runs `fn` recording the timeout of every blocking wait (Atomics.wait) it makes. */
async function recordingBlocks(fn: () => Promise<void>): Promise<number[]> {
  const original = Atomics.wait;
  const timeouts: number[] = [];
  Atomics.wait = ((...args: Parameters<typeof Atomics.wait>) => {
    timeouts.push(args[3] ?? Infinity);
    return original(...args);
  }) as typeof Atomics.wait;
  try {
    await fn();
    return timeouts;
  } finally {
    Atomics.wait = original;
  }
}

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

  // A loaded machine can stall the test past the due time, and then no wait is needed at all:
  // each of these tries a few gaps and judges every blocking wait it saw.
  const gapsOf = async (idle: boolean): Promise<number[]> => {
    const waits: number[] = [];
    for (let attempt = 0; attempt < 5 && !waits.some((ms) => ms > SHORT_WAIT_MS); attempt++) {
      const waker = new Waker(
        () => performance.now(),
        {},
        () => idle,
      );
      const due = performance.now() + 15;
      let woke = 0;
      waits.push(
        ...(await recordingBlocks(
          () => new Promise<void>((resolve) => waker.at(due, () => resolve(void (woke = performance.now())))),
        )),
      );
      assert.ok(woke >= due, 'called back early');
    }
    return waits;
  };

  it('while the caller is idle, waits for the whole gap in one blocking wait', async () => {
    const waits = await gapsOf(true);
    assert.ok(
      waits.some((ms) => ms > SHORT_WAIT_MS),
      `blocking waits ${waits.map((ms) => ms.toFixed(2)).join(', ')} ms`,
    );
  });

  it('while the caller is busy, blocks only in short steps (a response is read at most that late)', async () => {
    const waits = await gapsOf(false);
    assert.ok(waits.length > 0, 'no blocking wait in five tries');
    assert.ok(
      waits.every((ms) => ms <= MAX_BUSY_BLOCK_MS),
      `waits ${waits.map((ms) => ms.toFixed(3)).join(', ')} ms`,
    );
  });

  it('makes a due wake at once when poked, and ignores a poke before it is due', async () => {
    const waker = new Waker(() => performance.now(), { minIntervalMs: 0 });
    const calls: number[] = [];
    waker.at(performance.now() + 50, () => calls.push(1));
    waker.poke();
    assert.equal(calls.length, 0, 'a poke before the due time called back');
    const due = performance.now() + 3;
    waker.at(due, () => calls.push(2));
    while (performance.now() < due) {
      // Wait past the due time without letting the event loop turn (no timer can fire).
    }
    waker.poke();
    assert.deepEqual(calls, [2], 'the poke after the due time did not call back at once');
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(calls, [2], 'the wake was made twice');
  });

  it('turns a pending timer into the idle wait when the caller becomes idle (rearm)', async () => {
    let idle = false;
    const waker = new Waker(
      () => performance.now(),
      {},
      () => idle,
    );
    const due = performance.now() + 15;
    const waits = await recordingBlocks(
      () =>
        new Promise<void>((resolve) => {
          waker.at(due, resolve);
          idle = true;
          waker.rearm();
        }),
    );
    assert.ok(
      waits.some((ms) => ms > SHORT_WAIT_MS),
      `blocking waits ${waits.map((ms) => ms.toFixed(2)).join(', ')} ms`,
    );
  });
});
