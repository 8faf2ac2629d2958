/**
 * Reads a file line by line in constant memory: chunks from a stream (gunzipped when the name
 * ends in `.gz`, as k6 writes it), split on `\n`. A line longer than {@link MAX_LINE_BYTES} is
 * not kept whole: it is skipped to its end and handed back as `overlong`, so a corrupt file
 * without newlines can never make us buffer gigabytes.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** Longest line kept (k6 lines are a few hundred bytes; a Metric line with many thresholds a few KB). */
export const MAX_LINE_BYTES = 1024 * 1024;

export interface FileLine {
  /** 1-based line number in the file. */
  lineNo: number;
  /** The line without its `\n` (and `\r`); empty when `overlong`. */
  text: string;
  /** True when the line was longer than the limit and was skipped. */
  overlong: boolean;
}

/** A stream of the file's bytes, gunzipped when the name says so. */
export function openK6Output(path: string): Readable {
  const raw = createReadStream(path);
  if (!path.endsWith('.gz')) return raw;
  const gunzip = createGunzip();
  raw.on('error', (error) => gunzip.destroy(error));
  return raw.pipe(gunzip);
}

/** Yields every line of `path` (a last line without `\n` included). */
export async function* readLines(path: string): AsyncGenerator<FileLine> {
  let parts: Buffer[] = [];
  let held = 0;
  let overlong = false;
  let lineNo = 0;
  const take = (tail: Buffer): FileLine => {
    lineNo++;
    const line = overlong
      ? { lineNo, text: '', overlong: true }
      : { lineNo, text: stripCr(Buffer.concat([...parts, tail]).toString('utf8')), overlong: false };
    parts = [];
    held = 0;
    overlong = false;
    return line;
  };
  for await (const chunk of openK6Output(path) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      if (held + nl - start > MAX_LINE_BYTES) overlong = true;
      yield take(overlong ? Buffer.alloc(0) : chunk.subarray(start, nl));
      start = nl + 1;
    }
    if (start < chunk.length && !overlong) {
      held += chunk.length - start;
      if (held > MAX_LINE_BYTES) {
        overlong = true;
        parts = [];
      } else parts.push(chunk.subarray(start));
    }
  }
  if (held > 0 || overlong) yield take(Buffer.alloc(0));
}

function stripCr(text: string): string {
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}
