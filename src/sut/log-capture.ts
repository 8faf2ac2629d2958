/**
 * Captures a process's stdout/stderr line by line: a bounded ring of recent lines (for error
 * messages and reports), pattern counts with timestamps, line listeners (the listening-line
 * parser uses one) and an optional tee to a log file. One capture lives as long as its replica,
 * so counts go on across restarts.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { LineRing, type LogLine } from './line-ring.ts';
import { PatternCounter, type LogPattern } from './pattern-counter.ts';

/** A longer line is cut here: a SUT that never prints a newline must not grow our memory. */
const MAX_LINE_CHARS = 16 * 1024;

export interface LogCaptureOptions {
  /** Patterns to count, by name. */
  patterns?: Readonly<Record<string, LogPattern>>;
  /** How many recent lines to keep. */
  ringLines?: number;
  /** Append every line to this file (created with its directory). */
  teeFile?: string;
  /** Clock for line timestamps (ms); Date.now by default. */
  now?: () => number;
}

export class LogCapture {
  readonly ring: LineRing;
  readonly patterns: PatternCounter;
  private readonly now: () => number;
  private readonly listeners = new Set<(line: LogLine) => void>();
  private tee: WriteStream | undefined;

  constructor(options: LogCaptureOptions = {}) {
    this.ring = new LineRing(options.ringLines ?? 1000);
    this.patterns = new PatternCounter(options.patterns ?? {});
    this.now = options.now ?? Date.now;
    if (options.teeFile !== undefined) {
      mkdirSync(dirname(options.teeFile), { recursive: true });
      this.tee = createWriteStream(options.teeFile, { flags: 'a' });
      // A full disk must not crash the harness: stop teeing, keep capturing.
      this.tee.on('error', () => (this.tee = undefined));
    }
  }

  /** Reads `stream` line by line until it ends. */
  attach(stream: Readable, name: LogLine['stream']): void {
    stream.setEncoding('utf8');
    let partial = '';
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const text of parts) this.push(name, text);
      if (partial.length > MAX_LINE_CHARS) {
        this.push(name, partial);
        partial = '';
      }
    });
    stream.on('end', () => {
      if (partial !== '') this.push(name, partial);
      partial = '';
    });
  }

  /** Records one line as if the process had printed it (also used for harness notes). */
  push(stream: LogLine['stream'], raw: string): void {
    const text = (raw.endsWith('\r') ? raw.slice(0, -1) : raw).slice(0, MAX_LINE_CHARS);
    const line: LogLine = { at: this.now(), stream, text };
    this.ring.push(line);
    this.patterns.observe(text, line.at);
    this.tee?.write(`${new Date().toISOString()} ${stream} | ${text}\n`);
    for (const listener of this.listeners) listener(line);
  }

  /** Calls `listener` for every line from now on; returns the unsubscribe function. */
  onLine(listener: (line: LogLine) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The last `count` lines as text, for error messages. */
  tailText(count = 20): string {
    const lines = this.ring.tail(count);
    if (lines.length === 0) return '  (no output)';
    return lines.map((l) => `  ${l.stream === 'stderr' ? '!' : '|'} ${l.text}`).join('\n');
  }

  /** Flushes and closes the tee file. */
  async close(): Promise<void> {
    const tee = this.tee;
    this.tee = undefined;
    this.listeners.clear();
    if (tee !== undefined) await new Promise<void>((resolve) => tee.end(resolve));
  }
}
