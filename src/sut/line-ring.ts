/** A bounded buffer of the most recent log lines: memory stays flat however chatty the SUT is. */
export interface LogLine {
  /** Timestamp from the capture's clock (ms). */
  at: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

export class LineRing {
  private readonly lines: (LogLine | undefined)[];
  private next = 0;
  private size = 0;
  /** Lines seen in total, including the ones that fell out of the ring. */
  total = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new TypeError(`logLines: must be a positive integer, got ${capacity}`);
    }
    this.lines = new Array<LogLine | undefined>(capacity);
  }

  push(line: LogLine): void {
    this.lines[this.next] = line;
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
    this.total++;
  }

  /** The last `count` lines (all kept lines by default), oldest first. */
  tail(count = this.capacity): LogLine[] {
    const n = Math.min(Math.max(0, count), this.size);
    const out: LogLine[] = [];
    for (let i = n; i > 0; i--) {
      const line = this.lines[(this.next - i + this.capacity) % this.capacity];
      if (line !== undefined) out.push(line);
    }
    return out;
  }
}
