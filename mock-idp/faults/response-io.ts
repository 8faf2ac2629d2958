/**
 * Low-level writes the fault kinds share: a whole prepared response, raw headers with a chosen
 * Content-Length, a partial body, and the two ways of ending a connection (FIN and RST).
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { PreparedResponse } from '../contracts.ts';

/** Writes a prepared response whole. Content-Length is set from the body unless given. */
export function writePrepared(res: ServerResponse, prepared: PreparedResponse): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string | number> = { ...prepared.headers };
  if (!hasHeader(headers, 'content-length')) headers['content-length'] = prepared.body.length;
  res.writeHead(prepared.status, headers);
  res.end(prepared.body);
}

/** A JSON error the fault layer writes itself (e.g. when producing the real body failed). */
export function writeJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  extra: Record<string, string> = {},
): void {
  writePrepared(res, {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...extra },
    body: Buffer.from(JSON.stringify(body)),
  });
}

/** Sends status and headers announcing `contentLength` bytes, without a body yet. */
export function writeHeadOnly(res: ServerResponse, prepared: PreparedResponse, contentLength: number): void {
  const headers: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(prepared.headers)) {
    if (name.toLowerCase() !== 'content-length') headers[name] = value;
  }
  headers['content-length'] = contentLength;
  res.writeHead(prepared.status, headers);
  res.flushHeaders();
}

/** Writes a chunk and resolves once it has been handed to the kernel (or the socket died). */
export function writeChunk(res: ServerResponse, chunk: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed || chunk.length === 0) {
      resolve();
      return;
    }
    res.write(chunk, () => resolve());
  });
}

/** Closes the connection with a FIN: the client sees the body end early. */
export function closeConnection(socket: Socket | null): void {
  if (socket === null || socket.destroyed) return;
  socket.end();
  // A client that never closes its half must not keep the socket alive.
  setTimeout(() => socket.destroy(), 1000).unref();
}

/**
 * Aborts the connection with a TCP RST where the platform allows it (socket.resetAndDestroy,
 * plain TCP only); a TLS socket, whose handle is not a TCP handle, is destroyed instead.
 */
export function resetConnection(socket: Socket | null): void {
  if (socket === null || socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

function hasHeader(headers: Record<string, unknown>, name: string): boolean {
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name) return true;
  return false;
}
