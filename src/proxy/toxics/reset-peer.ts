/**
 * reset_peer: on the first data (or EOF) to reach it, waits `timeout` ms and then resets the
 * connection with a TCP RST, so clients see ECONNRESET. Data it consumed is dropped (the peer
 * would never have received it).
 */
import { MAX_TOXIC_DURATION_MS } from './bounds.ts';
import type { StageContext, ToxicAttributes, ToxicStage, ToxicType } from './stage.ts';

class ResetPeerStage implements ToxicStage {
  private timer: NodeJS.Timeout | undefined;
  private triggered = false;
  constructor(
    private attributes: ToxicAttributes,
    private readonly context: StageContext,
  ) {}
  private trigger(): void {
    if (this.triggered) return;
    this.triggered = true;
    const wait = this.attributes.timeout ?? 0;
    if (wait <= 0) this.context.control.reset();
    else this.timer = setTimeout(() => this.context.control.reset(), wait);
  }
  push(_chunk: Buffer): void {
    this.trigger();
  }
  end(): void {
    this.trigger();
  }
  update(attributes: ToxicAttributes): void {
    this.attributes = attributes;
  }
  flush(): void {
    this.dispose();
  }
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

export const resetPeer: ToxicType = {
  name: 'reset_peer',
  defaults: { timeout: 0 },
  max: { timeout: MAX_TOXIC_DURATION_MS },
  createStage: (attributes, context) => new ResetPeerStage(attributes, context),
};
