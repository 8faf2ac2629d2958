/**
 * truncate: announces the full body in Content-Length, sends only the first `bytes` of it, then
 * closes the connection (FIN) or resets it (RST). Clients must treat this as a failed fetch.
 */
import { z } from 'zod';
import { defineResponseKind } from './kind.ts';
import { closeConnection, resetConnection, writeChunk, writeHeadOnly } from '../response-io.ts';

const attributes = z.strictObject({
  /** Bytes of the body sent before closing; default half the body. */
  bytes: z.number().int().nonnegative().optional(),
  end: z.enum(['close', 'reset']).default('close'),
});

export const truncateKind = defineResponseKind({
  name: 'truncate',
  summary: 'Content-Length of the full body, then the connection closes after N bytes',
  role: 'response',
  attributes,
  async respond({ attributes: a, res, produce, interruptions }) {
    const prepared = await produce();
    if (interruptions.clientGone) return 'aborted';
    const full = prepared.body.length;
    // Always leave at least one byte unsent so the body really is short.
    const sent = Math.max(0, Math.min(a.bytes ?? Math.floor(full / 2), full - 1));
    writeHeadOnly(res, prepared, full);
    await writeChunk(res, prepared.body.subarray(0, sent));
    if (a.end === 'reset') resetConnection(res.socket);
    else closeConnection(res.socket);
    return 'truncated';
  },
});
