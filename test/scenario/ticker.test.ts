import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';

import { Ticker } from '../../src/scenario/ticker.ts';

test('a ticker never runs two readings at once, even when a reading outlasts the period', async () => {
  const started = performance.now();
  let inFlight = 0;
  let maxInFlight = 0;
  let readings = 0;
  const ticker = new Ticker(
    5,
    () => performance.now() - started,
    async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await sleep(20);
      inFlight--;
      readings++;
    },
  );
  ticker.start();
  await sleep(150);
  await ticker.stop();
  assert.equal(maxInFlight, 1);
  assert.ok(readings >= 2, `expected several readings, got ${readings}`);
  assert.equal(ticker.ticks, readings);
});

test('a reading in progress when the ticker stops schedules no other', async () => {
  const started = performance.now();
  let starts = 0;
  let releaseReading: () => void = () => undefined;
  const ticker = new Ticker(
    1,
    () => performance.now() - started,
    () =>
      new Promise<void>((resolve) => {
        starts++;
        releaseReading = resolve;
      }),
  );
  ticker.start();
  await sleep(20); // the first reading is now waiting for release
  const stopping = ticker.stop();
  releaseReading();
  await stopping;
  await sleep(30);
  assert.equal(starts, 1, 'no reading may start after stop()');
  assert.equal(ticker.ticks, 1);
});
