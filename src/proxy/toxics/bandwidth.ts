/**
 * bandwidth: limits throughput to `rate` KB/s (1 KB = 1000 bytes, as Toxiproxy). Each chunk is
 * released when the link would have finished sending it; large chunks go out in 100 ms slices
 * so the stream trickles instead of arriving in bursts. rate ≤ 0 = no limit.
 */
import { MAX_BANDWIDTH_KBPS } from './bounds.ts';
import { QueuedStage } from './queued-stage.ts';
import type { ToxicType } from './stage.ts';

class BandwidthStage extends QueuedStage {
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
}

export const bandwidth: ToxicType = {
  name: 'bandwidth',
  defaults: { rate: 0 },
  max: { rate: MAX_BANDWIDTH_KBPS },
  allowNegative: ['rate'],
  createStage: (attributes, context) => new BandwidthStage(attributes, context),
};
