/**
 * An incremental HTTP/1.1 response parser that reads only what the load engine needs: the
 * status, the body framing (content-length, chunked, or until close) and whether the connection
 * may be reused. The body itself is skipped.
 *
 * Why our own: on loopback, undici spent several µs of client CPU per request on machinery a
 * load generator does not need (building a request object, the llhttp wasm callbacks for every
 * header, parsing the keep-alive header, its timers). A raw socket loop that only reads the
 * status costs ~12 µs per request against ~16–21 µs through undici, so this parser scans bytes
 * and builds no header object: a response whose head arrives in one chunk allocates nothing.
 */

/** `feed` result: the response is not complete yet; feed more bytes. */
export const MORE = 0;
/** `feed` result: the response is complete (`status` and `keepAlive` are final). */
export const COMPLETE = 1;
/** `feed` result: the bytes are not a valid HTTP/1.x response (`error` says why). */
export const MALFORMED = 2;
/** What `feed` returns. */
export type FeedResult = typeof MORE | typeof COMPLETE | typeof MALFORMED;

/** Largest response head (status line and headers) accepted. */
export const MAX_HEAD_BYTES = 64 * 1024;

const HEAD = 0;
const BODY_LENGTH = 1;
const BODY_UNTIL_CLOSE = 2;
const CHUNK_SIZE = 3;
const CHUNK_EXTENSION = 4;
const CHUNK_SIZE_LF = 5;
const CHUNK_DATA = 6;
const CHUNK_DATA_CR = 7;
const CHUNK_DATA_LF = 8;
const TRAILER_LINE_START = 9;
const TRAILER_LINE = 10;
const TRAILER_END_LF = 11;
const DONE = 12;
const FAILED = 13;

const CR = 0x0d;
const LF = 0x0a;
const END_OF_HEAD = Buffer.from('\r\n\r\n', 'latin1');
/** Chunk sizes beyond 2^48 bytes are refused rather than risking precision loss. */
const MAX_CHUNK_DIGITS = 12;

/**
 * Parses one response at a time: call `start` before each request's response, then `feed`
 * every chunk the socket delivers, and `end` when the peer closes.
 */
export class ResponseParser {
  /** Final status (1xx responses are skipped); 0 until the head is parsed. */
  status = 0;
  /** Whether the connection may carry another request after this response. */
  keepAlive = true;
  /** Why the response was rejected, when `feed` returned MALFORMED. */
  error: string | undefined;
  private state = DONE;
  private headRequest = false;
  /** Bytes of a response head that arrived split across chunks. */
  private partial: Buffer | undefined;
  private remaining = 0;
  private chunkDigits = 0;
  // Framing found in the head being parsed.
  private contentLength = -1;
  private chunked = false;
  private otherEncoding = false;

  /** Prepares for a new response; `headRequest`: the request was HEAD (no body follows). */
  start(headRequest: boolean): void {
    this.status = 0;
    this.keepAlive = true;
    this.error = undefined;
    this.state = HEAD;
    this.headRequest = headRequest;
    this.partial = undefined;
  }

  /** Whether bytes of the response have been seen but the response is not complete. */
  get midResponse(): boolean {
    return this.state !== HEAD || this.partial !== undefined;
  }

  /** Skips body bytes from `i` (of `n`) up to what remains; moves to `next` once all are read. */
  private skipBody(i: number, n: number, next: number): number {
    const take = Math.min(this.remaining, n - i);
    this.remaining -= take;
    if (this.remaining === 0) this.state = next;
    return i + take;
  }

  /** Consumes `data`. Bytes after a complete response make the connection not reusable. */
  feed(data: Buffer): FeedResult {
    let i = 0;
    const n = data.length;
    while (i < n) {
      switch (this.state) {
        case HEAD:
          i = this.feedHead(data, i);
          break;
        case BODY_LENGTH:
          i = this.skipBody(i, n, DONE);
          break;
        case BODY_UNTIL_CLOSE:
          return MORE;
        case CHUNK_DATA:
          i = this.skipBody(i, n, CHUNK_DATA_CR);
          break;
        case DONE:
          // Nothing may follow a response we did not ask for: do not reuse this connection.
          this.keepAlive = false;
          return COMPLETE;
        case FAILED:
          return MALFORMED;
        default:
          this.chunkByte(data[i] ?? 0);
          i++;
      }
    }
    if (this.state === DONE) return COMPLETE;
    return this.state === FAILED ? MALFORMED : MORE;
  }

  /** The peer closed the connection: true when that completes the response (body until close). */
  end(): boolean {
    if (this.state !== BODY_UNTIL_CLOSE) return this.state === DONE;
    this.state = DONE;
    this.keepAlive = false;
    return true;
  }

  private fail(reason: string): number {
    this.error = reason;
    this.state = FAILED;
    this.partial = undefined;
    return Number.MAX_SAFE_INTEGER;
  }

  /** Finds the end of the head (keeping a split head for the next chunk); returns the new offset. */
  private feedHead(data: Buffer, from: number): number {
    let buf = data;
    let start = from;
    let searchFrom = from;
    const kept = this.partial?.length ?? 0;
    if (this.partial !== undefined) {
      buf = Buffer.concat([this.partial, data.subarray(from)]);
      start = 0;
      searchFrom = Math.max(0, kept - 3);
    }
    const end = buf.indexOf(END_OF_HEAD, searchFrom);
    if (end === -1) {
      if (buf.length - start > MAX_HEAD_BYTES) return this.fail('response head larger than 64 KiB');
      this.partial = buf === data ? Buffer.from(data.subarray(from)) : buf;
      return data.length;
    }
    if (end + 4 - start > MAX_HEAD_BYTES) return this.fail('response head larger than 64 KiB');
    this.partial = undefined;
    if (!this.parseHead(buf, start, end + 2)) return Number.MAX_SAFE_INTEGER;
    return buf === data ? end + 4 : from + end + 4 - kept;
  }

  /** Parses the status line and the framing headers of the head in `buf[start, end)`. */
  private parseHead(buf: Buffer, start: number, end: number): boolean {
    // "HTTP/1.x SSS" at least; the reason phrase is optional.
    if (
      end - start < 14 ||
      buf[start] !== 0x48 ||
      buf[start + 1] !== 0x54 ||
      buf[start + 2] !== 0x54 ||
      buf[start + 3] !== 0x50 ||
      buf[start + 4] !== 0x2f ||
      buf[start + 5] !== 0x31 ||
      buf[start + 6] !== 0x2e ||
      buf[start + 8] !== 0x20
    ) {
      this.fail('not an HTTP/1.x status line');
      return false;
    }
    const status = digit(buf[start + 9]) * 100 + digit(buf[start + 10]) * 10 + digit(buf[start + 11]);
    if (!(status >= 100 && status <= 999) || (buf[start + 12] !== 0x20 && buf[start + 12] !== CR)) {
      this.fail('invalid status code');
      return false;
    }
    this.keepAlive = buf[start + 7] !== 0x30; // HTTP/1.0 closes unless it says keep-alive
    this.contentLength = -1;
    this.chunked = false;
    this.otherEncoding = false;
    let line = buf.indexOf(LF, start) + 1;
    while (line < end) {
      const lineEnd = buf.indexOf(LF, line);
      if (!this.headerLine(buf, line, lineEnd - 1)) return false;
      line = lineEnd + 1;
    }
    this.status = status;
    this.frameBody(status);
    return true;
  }

  /** Reads one `name: value` line in `buf[from, to)` (`to` is at its CR), if it is one we need. */
  private headerLine(buf: Buffer, from: number, to: number): boolean {
    const colon = buf.indexOf(0x3a, from);
    if (colon === -1 || colon >= to || buf[to] !== CR) {
      this.fail('invalid header line');
      return false;
    }
    let v = colon + 1;
    let w = to;
    while (v < w && (buf[v] === 0x20 || buf[v] === 0x09)) v++;
    while (w > v && (buf[w - 1] === 0x20 || buf[w - 1] === 0x09)) w--;
    const nameLength = colon - from;
    if (nameLength === 14 && sameLower(buf, from, colon, 'content-length')) {
      const length = parseLength(buf, v, w);
      if (length < 0 || (this.contentLength >= 0 && this.contentLength !== length)) {
        this.fail('invalid content-length');
        return false;
      }
      this.contentLength = length;
    } else if (nameLength === 17 && sameLower(buf, from, colon, 'transfer-encoding')) {
      // Only a last coding of `chunked` frames the body; anything else reads until close.
      const chunked = w - v >= 7 && sameLower(buf, w - 7, w, 'chunked');
      this.chunked = chunked;
      this.otherEncoding = !chunked;
    } else if (nameLength === 10 && sameLower(buf, from, colon, 'connection')) {
      if (hasToken(buf, v, w, 'close')) this.keepAlive = false;
      else if (hasToken(buf, v, w, 'keep-alive')) this.keepAlive = true;
    }
    return true;
  }

  private frameBody(status: number): void {
    if (status < 200 && status !== 101) {
      // Informational: the final response follows on the same connection.
      this.state = HEAD;
    } else if (status === 101) {
      // Switched protocols: nothing more we can speak on this connection.
      this.keepAlive = false;
      this.state = DONE;
    } else if (this.headRequest || status === 204 || status === 304) {
      this.state = DONE;
    } else if (this.chunked) {
      // Both framings at once is a smuggling pattern: honour chunked, then drop the connection.
      if (this.contentLength >= 0) this.keepAlive = false;
      this.remaining = 0;
      this.chunkDigits = 0;
      this.state = CHUNK_SIZE;
    } else if (this.otherEncoding || this.contentLength < 0) {
      this.keepAlive = false;
      this.state = BODY_UNTIL_CLOSE;
    } else {
      this.remaining = this.contentLength;
      this.state = this.remaining === 0 ? DONE : BODY_LENGTH;
    }
  }

  /** One byte of a chunked body's framing: size line, data terminator, trailers. */
  private chunkByte(b: number): void {
    switch (this.state) {
      case CHUNK_SIZE: {
        const d = hexDigit(b);
        if (d >= 0) {
          if (++this.chunkDigits > MAX_CHUNK_DIGITS) this.fail('chunk size too large');
          else this.remaining = this.remaining * 16 + d;
        } else if (this.chunkDigits === 0) this.fail('invalid chunk size');
        else if (b === 0x3b || b === 0x20 || b === 0x09) this.state = CHUNK_EXTENSION;
        else if (b === CR) this.state = CHUNK_SIZE_LF;
        else this.fail('invalid chunk size');
        return;
      }
      case CHUNK_EXTENSION:
        if (b === CR) this.state = CHUNK_SIZE_LF;
        else if (b === LF) this.fail('bare LF in chunk extension');
        return;
      case CHUNK_SIZE_LF:
        if (b !== LF) this.fail('chunk size line not ended by CRLF');
        else this.state = this.remaining === 0 ? TRAILER_LINE_START : CHUNK_DATA;
        return;
      case CHUNK_DATA_CR:
        if (b !== CR) this.fail('chunk data not followed by CRLF');
        else this.state = CHUNK_DATA_LF;
        return;
      case CHUNK_DATA_LF:
        if (b !== LF) this.fail('chunk data not followed by CRLF');
        else {
          this.chunkDigits = 0;
          this.state = CHUNK_SIZE;
        }
        return;
      default:
        this.trailerByte(b);
    }
  }

  /** One byte of the trailer section after the last chunk: lines until an empty one. */
  private trailerByte(b: number): void {
    if (this.state === TRAILER_LINE_START) this.state = b === CR ? TRAILER_END_LF : TRAILER_LINE;
    else if (this.state === TRAILER_LINE) {
      if (b === LF) this.state = TRAILER_LINE_START;
    } else if (b === LF) this.state = DONE;
    else this.fail('trailers not ended by CRLF');
  }
}

function digit(b: number | undefined): number {
  return b !== undefined && b >= 0x30 && b <= 0x39 ? b - 0x30 : Number.NaN;
}

function hexDigit(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const lower = b | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** Whether `buf[from, to)` equals `lower` (lowercase ASCII) ignoring the case of its letters. */
function sameLower(buf: Buffer, from: number, to: number, lower: string): boolean {
  if (to - from !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const c = buf[from + i];
    const e = lower.charCodeAt(i);
    if (c !== e && !(e >= 0x61 && e <= 0x7a && c === e - 0x20)) return false;
  }
  return true;
}

/** A decimal content-length in `buf[from, to)`, or -1. */
function parseLength(buf: Buffer, from: number, to: number): number {
  if (from === to || to - from > 15) return -1;
  let value = 0;
  for (let i = from; i < to; i++) {
    const d = digit(buf[i]);
    if (Number.isNaN(d)) return -1;
    value = value * 10 + d;
  }
  return value;
}

/** Whether the comma-separated list in `buf[from, to)` holds `token` (case-insensitive). */
function hasToken(buf: Buffer, from: number, to: number, token: string): boolean {
  let i = from;
  while (i < to) {
    let comma = buf.indexOf(0x2c, i);
    if (comma === -1 || comma > to) comma = to;
    let a = i;
    let b = comma;
    while (a < b && (buf[a] === 0x20 || buf[a] === 0x09)) a++;
    while (b > a && (buf[b - 1] === 0x20 || buf[b - 1] === 0x09)) b--;
    if (sameLower(buf, a, b, token)) return true;
    i = comma + 1;
  }
  return false;
}
