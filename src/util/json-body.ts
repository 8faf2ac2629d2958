/**
 * Reads a request body whole and parses it as JSON, for the two admin-style APIs that take JSON
 * (mock-idp's admin plane and the embedded Toxiproxy's). Each maps a refusal to its own error
 * shape; the reading rules are the same: an empty body is `undefined`, and past the size limit
 * the rest is read and discarded (not left unread), so the client still gets its 413 answer.
 */
import type { IncomingMessage } from 'node:http';

/** Why a body was refused. */
export type JsonBodyProblem =
  { kind: 'too-large'; limitBytes: number } | { kind: 'invalid-json'; message: string };

/**
 * @param refuse makes the caller's error for a body over `limitBytes` or one that is not JSON
 * @returns the parsed body, or `undefined` for an empty one; rejects with `refuse`'s error, or
 *   with the request stream's own error
 */
export function readJsonBody(
  request: IncomingMessage,
  limitBytes: number,
  refuse: (problem: JsonBodyProblem) => Error,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) {
        chunks.push(chunk);
        return;
      }
      // Past the limit: drop what was kept and refuse (rejecting again later is a no-op).
      chunks.length = 0;
      reject(refuse({ kind: 'too-large', limitBytes }));
    });
    request.on('error', reject);
    request.on('end', () => {
      if (size > limitBytes) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') {
        resolve(undefined);
        return;
      }
      try {
        resolve(JSON.parse(text));
      } catch (error) {
        reject(refuse({ kind: 'invalid-json', message: (error as Error).message }));
      }
    });
  });
}
