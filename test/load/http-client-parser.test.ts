import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMPLETE, MALFORMED, MAX_HEAD_BYTES, MORE, ResponseParser } from '../../src/load/http1-parser.ts';

interface Parsed {
  result: number;
  status: number;
  keepAlive: boolean;
}

/** Feeds `pieces` one after another, stopping at the first result that is not MORE. */
function parse(pieces: readonly string[], head = false, closeAtEnd = false): Parsed {
  const parser = new ResponseParser();
  parser.start(head);
  let result: number = MORE;
  for (const piece of pieces) {
    result = parser.feed(Buffer.from(piece, 'latin1'));
    if (result !== MORE) break;
  }
  if (result === MORE && closeAtEnd && parser.end()) result = COMPLETE;
  return { result, status: parser.status, keepAlive: parser.keepAlive };
}

/** Every way to cut `text` in two, plus one byte at a time. */
function splits(text: string): string[][] {
  const all: string[][] = [[text], [...text]];
  for (let i = 1; i < text.length; i++) all.push([text.slice(0, i), text.slice(i)]);
  return all;
}

function assertEverySplit(text: string, expected: Parsed, head = false, closeAtEnd = false): void {
  for (const pieces of splits(text)) {
    assert.deepEqual(parse(pieces, head, closeAtEnd), expected, JSON.stringify(pieces));
  }
}

const ok = (status: number, keepAlive = true): Parsed => ({ result: COMPLETE, status, keepAlive });

describe('HTTP/1.1 response parser', () => {
  it('reads a content-length body however the bytes are cut', () => {
    assertEverySplit('HTTP/1.1 201 Created\r\nContent-Length: 5\r\nx-a: b\r\n\r\nhello', ok(201));
  });

  it('reads a chunked body with extensions and trailers however the bytes are cut', () => {
    const text =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '5;name=value\r\nhello\r\nA\r\n0123456789\r\n0\r\nx-trailer: 1\r\n\r\n';
    assertEverySplit(text, ok(200));
  });

  it('is not complete before the last chunk and its empty trailer line', () => {
    const text = 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n';
    assert.equal(parse([text]).result, MORE);
    assert.equal(parse([text + '\r\n']).result, COMPLETE);
  });

  it('reads a body without framing until the server closes, and does not reuse the connection', () => {
    const text = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nsome body';
    assert.equal(parse([text]).result, MORE);
    assertEverySplit(text, ok(200, false), false, true);
  });

  it('expects no body after HEAD, 204 and 304 even when a length is announced', () => {
    assertEverySplit('HTTP/1.1 200 OK\r\ncontent-length: 1234\r\n\r\n', ok(200), true);
    assertEverySplit('HTTP/1.1 204 No Content\r\ncontent-length: 10\r\n\r\n', ok(204));
    assertEverySplit('HTTP/1.1 304 Not Modified\r\ntransfer-encoding: chunked\r\n\r\n', ok(304));
  });

  it('skips 100 Continue and 103 Early Hints: the final status wins', () => {
    const text =
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\n' +
      'HTTP/1.1 403 Forbidden\r\ncontent-length: 2\r\n\r\nno';
    assertEverySplit(text, ok(403));
  });

  it('honours connection: close and HTTP/1.0 keep-alive rules, names in any case', () => {
    assert.deepEqual(
      parse(['HTTP/1.1 200 OK\r\nCONNECTION: Close\r\ncontent-length: 0\r\n\r\n']),
      ok(200, false),
    );
    assert.deepEqual(
      parse(['HTTP/1.1 200 OK\r\nconnection: upgrade, close\r\ncontent-length: 0\r\n\r\n']),
      ok(200, false),
    );
    assert.deepEqual(parse(['HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n']), ok(200, false));
    assert.deepEqual(
      parse(['HTTP/1.0 200 OK\r\nConnection: keep-alive\r\ncontent-length: 0\r\n\r\n']),
      ok(200, true),
    );
  });

  it('drops the connection when a response carries both framings, or bytes follow it', () => {
    const both = 'HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n';
    assert.deepEqual(parse([both]), ok(200, false));
    assert.deepEqual(parse(['HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokEXTRA']), ok(200, false));
  });

  it('rejects what is not a well-formed response', () => {
    const bad = [
      'HTTP/2 200 OK\r\n\r\n',
      'HTTP/1.1 2x0 OK\r\n\r\n',
      'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n',
      'HTTP/1.1 200 OK\r\ncontent-length: 12a\r\n\r\n',
      'HTTP/1.1 200 OK\r\ncontent-length: 3\r\ncontent-length: 4\r\n\r\n',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nokX\r\n',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1234567890abc\r\n',
    ];
    for (const text of bad) assert.equal(parse([text]).result, MALFORMED, JSON.stringify(text));
  });

  it('caps the response head at 64 KiB, also when it arrives in pieces', () => {
    const filler = `x-filler: ${'a'.repeat(1000)}\r\n`;
    const pieces = ['HTTP/1.1 200 OK\r\n', ...Array.from({ length: 70 }, () => filler)];
    assert.ok(pieces.join('').length > MAX_HEAD_BYTES);
    assert.equal(parse(pieces).result, MALFORMED);
    assert.equal(parse([pieces.join('') + '\r\n']).result, MALFORMED);
  });

  it('is reusable: a second response on the same parser is read from scratch', () => {
    const parser = new ResponseParser();
    parser.start(false);
    assert.equal(parser.feed(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok')), COMPLETE);
    parser.start(false);
    assert.equal(parser.feed(Buffer.from('HTTP/1.1 503 Busy\r\ncontent-length: 0\r\n\r\n')), COMPLETE);
    assert.equal(parser.status, 503);
  });
});
