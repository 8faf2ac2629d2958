/** slow_close: data passes untouched; the end of the stream is held back `delay` ms. */
import { MAX_TOXIC_DURATION_MS } from './bounds.ts';
import { QueuedStage } from './queued-stage.ts';
import type { ToxicType } from './stage.ts';

class SlowCloseStage extends QueuedStage {
  push(chunk: Buffer): void {
    this.queue.schedule(0, chunk);
  }
  override end(): void {
    this.queue.schedule(performance.now() + (this.attributes.delay ?? 0), undefined);
  }
}

export const slowClose: ToxicType = {
  name: 'slow_close',
  defaults: { delay: 0 },
  max: { delay: MAX_TOXIC_DURATION_MS },
  createStage: (attributes, context) => new SlowCloseStage(attributes, context),
};
