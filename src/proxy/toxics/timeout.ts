/**
 * timeout: a black hole. Drops every chunk; closes the connection `timeout` ms after the toxic
 * started on it (0 = never). Data was lost, so removing the toxic closes the connections it
 * affected (as Toxiproxy's Cleanup does) rather than letting them carry on corrupted.
 */
import { MAX_TOXIC_DURATION_MS } from './bounds.ts';
import type { StageContext, ToxicAttributes, ToxicStage, ToxicType } from './stage.ts';

class TimeoutStage implements ToxicStage {
  private timer: NodeJS.Timeout | undefined;
  constructor(
    attributes: ToxicAttributes,
    private readonly context: StageContext,
  ) {
    this.arm(attributes);
  }
  private arm(attributes: ToxicAttributes): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const timeout = attributes.timeout ?? 0;
    if (timeout > 0) this.timer = setTimeout(() => this.context.control.close(), timeout);
  }
  push(_chunk: Buffer): void {}
  end(): void {
    this.dispose();
    this.context.control.close();
  }
  update(attributes: ToxicAttributes): void {
    this.arm(attributes);
  }
  flush(): void {
    this.dispose();
    this.context.control.close();
  }
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

export const timeout: ToxicType = {
  name: 'timeout',
  defaults: { timeout: 0 },
  max: { timeout: MAX_TOXIC_DURATION_MS },
  createStage: (attributes, context) => new TimeoutStage(attributes, context),
};
