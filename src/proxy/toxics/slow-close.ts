/** slow_close: data passes untouched; the end of the stream is held back `delay` ms. */
import { TimedQueue } from './timed-queue.ts';
import type { StageContext, ToxicAttributes, ToxicStage, ToxicType } from './stage.ts';

class SlowCloseStage implements ToxicStage {
  private readonly queue: TimedQueue;
  constructor(
    private attributes: ToxicAttributes,
    context: StageContext,
  ) {
    this.queue = new TimedQueue(() => context.output);
  }
  push(chunk: Buffer): void {
    this.queue.schedule(0, chunk);
  }
  end(): void {
    this.queue.schedule(performance.now() + (this.attributes.delay ?? 0), undefined);
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

export const slowClose: ToxicType = {
  name: 'slow_close',
  defaults: { delay: 0 },
  createStage: (attributes, context) => new SlowCloseStage(attributes, context),
};
