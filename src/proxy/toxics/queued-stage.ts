/**
 * The common body of the toxics that hold data back on a TimedQueue (latency, bandwidth, slicer,
 * slow_close): each only decides *when* a chunk or the end goes out, in push() (and end() for
 * slow_close). Flushing, disposal, attribute updates and the buffered-bytes count are the same.
 */
import { TimedQueue } from './timed-queue.ts';
import type { StageContext, ToxicAttributes, ToxicStage } from './stage.ts';

export abstract class QueuedStage implements ToxicStage {
  protected readonly queue: TimedQueue;
  constructor(
    protected attributes: ToxicAttributes,
    protected readonly context: StageContext,
  ) {
    this.queue = new TimedQueue(() => context.output);
  }
  abstract push(chunk: Buffer): void;
  /** The end goes out after everything queued before it. */
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
