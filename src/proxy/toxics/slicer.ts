/**
 * slicer: cuts every chunk into pieces of about `average_size` ± `size_variation` bytes (the
 * same halving algorithm as Toxiproxy) and sends them `delay` µs apart.
 */
import { MAX_TOXIC_BYTES, MAX_TOXIC_DURATION_MS } from './bounds.ts';
import { QueuedStage } from './queued-stage.ts';
import type { ToxicType } from './stage.ts';
import type { Random } from '../../util/random.ts';

/** Offsets [s0, e0, s1, e1, …] of the slices of [start, end). Recursion depth is log2(size). */
function sliceOffsets(
  start: number,
  end: number,
  average: number,
  variation: number,
  random: Random,
): number[] {
  if (end - start - average <= variation) return [start, end];
  const wobble = variation > 0 ? random.int(-variation, variation - 1) : 0;
  const mid = Math.min(end - 1, Math.max(start + 1, start + Math.floor((end - start) / 2) + wobble));
  return [
    ...sliceOffsets(start, mid, average, variation, random),
    ...sliceOffsets(mid, end, average, variation, random),
  ];
}

class SlicerStage extends QueuedStage {
  push(chunk: Buffer): void {
    const average = Math.max(1, Math.floor(this.attributes.average_size ?? 1));
    const variation = Math.floor(this.attributes.size_variation ?? 0);
    const stepMs = (this.attributes.delay ?? 0) / 1000;
    const offsets = sliceOffsets(0, chunk.length, average, variation, this.context.random);
    let at = this.queue.tail(performance.now());
    for (let i = 1; i < offsets.length; i += 2) {
      this.queue.schedule(at, chunk.subarray(offsets[i - 1], offsets[i]));
      at += stepMs;
    }
  }
}

export const slicer: ToxicType = {
  name: 'slicer',
  defaults: { average_size: 0, size_variation: 0, delay: 0 },
  // delay is in microseconds.
  max: {
    average_size: MAX_TOXIC_BYTES,
    size_variation: MAX_TOXIC_BYTES,
    delay: MAX_TOXIC_DURATION_MS * 1000,
  },
  validate: (a) =>
    (a.average_size ?? 0) < 1
      ? 'average_size must be at least 1'
      : (a.size_variation ?? 0) >= (a.average_size ?? 0)
        ? 'size_variation must be smaller than average_size'
        : undefined,
  createStage: (attributes, context) => new SlicerStage(attributes, context),
};
