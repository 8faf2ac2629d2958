/** slow_close: data passes untouched; the end of the stream is held back `delay` ms. */
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
  createStage: (attributes, context) => new SlowCloseStage(attributes, context),
};
