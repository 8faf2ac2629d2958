/**
 * One direction of one proxied connection: bytes from `source` to `destination` through the
 * proxy's toxic chain for that direction.
 *
 * With no toxic the link is a plain `source.pipe(destination)` (the fast path the overhead
 * benchmark measures). The first toxic switches it to chunk mode: the link reads 'data' events
 * itself and pushes them through one stage per toxic. When the last toxic leaves, every stage has
 * already flushed what it held (synchronously), so the link can go back to piping without
 * reordering or losing a byte.
 */
import type { Socket } from 'node:net';
import type { Random } from '../util/random.ts';
import type { Toxic } from './toxic.ts';
import type { LinkControl, StageSink, ToxicStage } from './toxics/stage.ts';

/** Pause reading the source while toxics hold more than this many bytes (bounded memory). */
const HIGH_WATER = 1 << 20;

/**
 * One toxic on one link. The stage exists only while the connection's draw falls under the
 * toxic's toxicity: an unaffected connection runs no timers for it (a timeout toxic must not
 * close a connection its toxicity spared).
 */
class ChainEntry implements StageSink {
  next: StageSink;
  stage: ToxicStage | undefined;
  private readonly output: StageSink = { push: (chunk) => this.next.push(chunk), end: () => this.next.end() };

  constructor(
    readonly toxic: Toxic,
    /** Uniform draw in [0,1) made once for this connection: the toxic applies iff draw < toxicity. */
    readonly draw: number,
    next: StageSink,
    private readonly random: Random,
    private readonly control: LinkControl,
  ) {
    this.next = next;
    this.sync();
  }

  /** Creates or retires the stage after the toxic changed; passes new attributes on. */
  sync(): void {
    const active = this.draw < this.toxic.toxicity;
    if (active && this.stage === undefined) {
      const context = { output: this.output, control: this.control, random: this.random };
      this.stage = this.toxic.type.createStage(this.toxic.attributes, context);
    } else if (!active && this.stage !== undefined) {
      this.retire();
    } else {
      this.stage?.update(this.toxic.attributes);
    }
  }

  /** Hands on whatever the stage holds and stops it. */
  retire(): void {
    const stage = this.stage;
    this.stage = undefined;
    stage?.flush();
    stage?.dispose();
  }

  push(chunk: Buffer): void {
    if (this.stage !== undefined) this.stage.push(chunk);
    else this.next.push(chunk);
  }

  end(): void {
    if (this.stage !== undefined) this.stage.end();
    else this.next.end();
  }
}

export class Link {
  private entries: ChainEntry[] = [];
  private piping = false;
  private sourceEnded = false;
  private finished = false;
  private pausedForToxics = false;
  /** Terminal sink: writes into the destination socket. */
  private readonly sink: StageSink = {
    push: (chunk) => this.write(chunk),
    end: () => this.finish(),
  };

  constructor(
    private readonly source: Socket,
    private readonly destination: Socket,
    private readonly random: Random,
    private readonly control: LinkControl,
    private readonly onFinished: () => void,
  ) {}

  /** Starts moving bytes with the toxics present right now. */
  start(toxics: readonly Toxic[]): void {
    for (const toxic of toxics) this.addEntry(toxic);
    this.destination.on('drain', this.maybeResume);
    this.source.on('end', () => {
      this.sourceEnded = true;
      this.head().end();
    });
    if (this.entries.length === 0) this.startPiping();
    else this.source.on('data', this.onData);
  }

  get isFinished(): boolean {
    return this.finished;
  }

  addToxic(toxic: Toxic): void {
    if (this.finished) return;
    this.addEntry(toxic);
    if (this.piping) {
      this.source.unpipe(this.destination);
      this.piping = false;
      this.source.on('data', this.onData);
      if (!this.sourceEnded) this.source.resume();
    }
  }

  removeToxic(toxic: Toxic): void {
    const index = this.entries.findIndex((e) => e.toxic === toxic);
    const entry = this.entries[index];
    if (entry === undefined) return;
    // Unlink first, then flush: anything the stage held goes to its successor, ahead of every
    // chunk still upstream of it, so order is kept.
    const previous = this.entries[index - 1];
    if (previous !== undefined) previous.next = entry.next;
    this.entries.splice(index, 1);
    entry.retire();
    if (this.entries.length === 0 && !this.finished && !this.sourceEnded) this.startPipingAgain();
  }

  /** Attributes or toxicity changed. */
  updateToxic(toxic: Toxic): void {
    this.entries.find((e) => e.toxic === toxic)?.sync();
  }

  /** The connection is gone: stop every timer. */
  dispose(): void {
    this.finished = true;
    for (const entry of this.entries) entry.stage?.dispose();
    this.entries = [];
  }

  private head(): StageSink {
    return this.entries[0] ?? this.sink;
  }

  private addEntry(toxic: Toxic): void {
    const random = this.random.fork(toxic.name);
    const entry = new ChainEntry(toxic, random.next(), this.sink, random, this.control);
    const last = this.entries.at(-1);
    if (last !== undefined) last.next = entry;
    this.entries.push(entry);
  }

  private startPiping(): void {
    this.piping = true;
    // end:false — the 'end' listener above ends the destination, in both modes alike.
    this.source.pipe(this.destination, { end: false });
  }

  private startPipingAgain(): void {
    this.source.removeListener('data', this.onData);
    this.pausedForToxics = false; // pipe() resumes the source itself unless the destination is full
    this.startPiping();
  }

  private readonly onData = (chunk: Buffer): void => {
    this.head().push(chunk);
    if (!this.pausedForToxics && this.bufferedInToxics() > HIGH_WATER) {
      this.pausedForToxics = true;
      this.source.pause();
    }
  };

  private bufferedInToxics(): number {
    let total = 0;
    for (const entry of this.entries) total += entry.stage?.bufferedBytes?.() ?? 0;
    return total + this.destination.writableLength;
  }

  private write(chunk: Buffer): void {
    if (this.finished || this.destination.destroyed || this.destination.writableEnded) return;
    this.destination.write(chunk);
    this.maybeResume();
  }

  private readonly maybeResume = (): void => {
    if (this.pausedForToxics && !this.piping && this.bufferedInToxics() < HIGH_WATER / 2) {
      this.pausedForToxics = false;
      this.source.resume();
    }
  };

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (!this.destination.destroyed && !this.destination.writableEnded) this.destination.end();
    this.onFinished();
  }
}
