/**
 * latency: every chunk leaves `latency ± jitter` ms after it reached this toxic. The delay is
 * measured from each chunk's own arrival (not after the previous chunk left), so a stream does
 * not accumulate delay; two stacked latency toxics add up because each measures from the
 * moment the chunk reaches it.
 */
import { MAX_TOXIC_DURATION_MS } from './bounds.ts';
import { QueuedStage } from './queued-stage.ts';
import type { ToxicType } from './stage.ts';

class LatencyStage extends QueuedStage {
  private delay(): number {
    const latency = this.attributes.latency ?? 0;
    const jitter = this.attributes.jitter ?? 0;
    if (jitter <= 0) return latency;
    return Math.max(0, latency + (this.context.random.next() * 2 - 1) * jitter);
  }
  push(chunk: Buffer): void {
    this.queue.schedule(performance.now() + this.delay(), chunk);
  }
}

export const latency: ToxicType = {
  name: 'latency',
  defaults: { latency: 0, jitter: 0 },
  max: { latency: MAX_TOXIC_DURATION_MS, jitter: MAX_TOXIC_DURATION_MS },
  createStage: (attributes, context) => new LatencyStage(attributes, context),
};
