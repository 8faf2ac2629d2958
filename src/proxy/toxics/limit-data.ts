/**
 * limit_data: forwards at most `bytes` bytes on this connection and direction, then closes the
 * connection (what a client sees as a truncated body / premature close). The count survives
 * attribute updates, as in Toxiproxy. bytes = 0 closes on the first data.
 */
import { MAX_TOXIC_BYTES } from './bounds.ts';
import type { StageContext, ToxicAttributes, ToxicStage, ToxicType } from './stage.ts';

class LimitDataStage implements ToxicStage {
  private transmitted = 0;
  private closed = false;
  constructor(
    private attributes: ToxicAttributes,
    private readonly context: StageContext,
  ) {}
  private get remaining(): number {
    return (this.attributes.bytes ?? 0) - this.transmitted;
  }
  push(chunk: Buffer): void {
    if (this.closed) return;
    const allowed = Math.max(0, Math.floor(this.remaining));
    const piece = allowed < chunk.length ? chunk.subarray(0, allowed) : chunk;
    if (piece.length > 0) {
      this.transmitted += piece.length;
      this.context.output.push(piece);
    }
    if (this.remaining <= 0) this.close();
  }
  private close(): void {
    this.closed = true;
    this.context.control.close();
  }
  end(): void {
    if (!this.closed) this.context.output.end();
  }
  update(attributes: ToxicAttributes): void {
    this.attributes = attributes;
    if (!this.closed && this.transmitted > 0 && this.remaining <= 0) this.close();
  }
  flush(): void {}
  dispose(): void {}
}

export const limitData: ToxicType = {
  name: 'limit_data',
  defaults: { bytes: 0 },
  max: { bytes: MAX_TOXIC_BYTES },
  createStage: (attributes, context) => new LimitDataStage(attributes, context),
};
