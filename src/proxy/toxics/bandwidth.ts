/**
 * bandwidth: limits throughput to `rate` KB/s (1 KB = 1000 bytes, as Toxiproxy). Each chunk is
 * released when the link would have finished sending it; large chunks go out in 100 ms slices
 * so the stream trickles instead of arriving in bursts. rate ≤ 0 = no limit.
 */
import { TimedQueue } from './timed-queue.ts';
import type { StageContext, ToxicAttributes, ToxicStage, ToxicType } from './stage.ts';

class BandwidthStage implements ToxicStage {
  private readonly queue: TimedQueue;
  constructor(
    private attributes: ToxicAttributes,
    context: StageContext,
  ) {
    this.queue = new TimedQueue(() => context.output);
  }
  push(chunk: Buffer): void {
    const rate = this.attributes.rate ?? 0; // bytes per millisecond
    const now = performance.now();
    if (rate <= 0) {
      this.queue.schedule(now, chunk);
      return;
    }
    const slice = Math.max(1, Math.floor(rate * 100));
    let at = this.queue.tail(now);
    for (let offset = 0; offset < chunk.length; offset += slice) {
      const piece = chunk.subarray(offset, offset + slice);
      at += piece.length / rate;
      this.queue.schedule(at, piece);
    }
  }
  end(): void {
    this.queue.schedule(0, undefined);
  }
  update(attributes: ToxicAttributes): void {
    this.attributes = attributes;
  }
  flush(): void {
    this.queue.flush();
  }
  dispose(): void {
    this.queue.clear();
  }
  bufferedBytes(): number {
    return this.queue.bytes;
  }
}

export const bandwidth: ToxicType = {
  name: 'bandwidth',
  defaults: { rate: 0 },
  allowNegative: ['rate'],
  createStage: (attributes, context) => new BandwidthStage(attributes, context),
};
