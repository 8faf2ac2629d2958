/**
 * The per-connection, per-direction building block of the data plane. A toxic type (one file
 * each in this folder) turns its attributes into a `ToxicStage` for every live link; stages are
 * chained, each passing chunks (and finally the end of the stream) to the next.
 */
import type { Random } from '../../util/random.ts';

/** Where a stage sends what it lets through. */
export interface StageSink {
  push(chunk: Buffer): void;
  /** The source reached EOF and everything before it has been pushed. */
  end(): void;
}

/** What a stage may do to the connection it sits on. */
export interface LinkControl {
  /** Closes the whole connection gracefully (FIN) once what was already written is flushed. */
  close(): void;
  /** Resets the whole connection (RST on both sockets). */
  reset(): void;
}

export interface StageContext {
  /** The next stage (or the destination socket). Always read it at call time: it changes on relink. */
  readonly output: StageSink;
  readonly control: LinkControl;
  /** This stage's own seeded generator (jitter, slice sizes). */
  readonly random: Random;
}

/** Attribute values after validation: every declared attribute is present. */
export type ToxicAttributes = Record<string, number>;

export interface ToxicStage extends StageSink {
  /** New attributes while the connection is live; keep per-connection state (e.g. bytes sent). */
  update(attributes: ToxicAttributes): void;
  /**
   * The toxic is leaving this link (removed, or its toxicity no longer covers it): hand every
   * buffered chunk to `output` right now, in order, and cancel timers. Never drops data that a
   * delaying toxic was holding.
   */
  flush(): void;
  /** The connection is gone: cancel timers, drop everything. */
  dispose(): void;
  /** Bytes this stage holds right now (so the link can stop reading a source that outruns it). */
  bufferedBytes?(): number;
}

/** One toxic type: its attributes with defaults, their validation, and its stage factory. */
export interface ToxicType {
  readonly name: string;
  /** Declared attributes and their defaults (Toxiproxy's zero values). */
  readonly defaults: ToxicAttributes;
  /** Extra checks beyond "finite number ≥ 0"; returns a message naming the attribute, or undefined. */
  validate?(attributes: ToxicAttributes): string | undefined;
  /** Largest value of each attribute (see bounds.ts); also the most negative one where allowed. */
  readonly max: Readonly<Record<string, number>>;
  /** Attributes that may be negative (bandwidth's rate ≤ 0 means "no limit"). */
  readonly allowNegative?: readonly string[];
  createStage(attributes: ToxicAttributes, context: StageContext): ToxicStage;
}

/** A stage that forwards everything untouched (noop, and the base of the simpler toxics). */
export class PassThroughStage implements ToxicStage {
  constructor(protected readonly context: StageContext) {}
  push(chunk: Buffer): void {
    this.context.output.push(chunk);
  }
  end(): void {
    this.context.output.end();
  }
  update(_attributes: ToxicAttributes): void {}
  flush(): void {}
  dispose(): void {}
}
