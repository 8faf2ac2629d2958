/**
 * hang: holds the request open and never answers — a black hole (FM14). Before headers by
 * default; `after-headers` sends status and headers announcing the full body, then stalls.
 * Ends when the client gives up or the fault ends (removed, expired, cleared); the socket is then
 * destroyed so nothing leaks.
 */
import { z } from 'zod';
import { defineResponseKind } from './kind.ts';
import { writeHeadOnly } from '../response-io.ts';

const attributes = z.strictObject({
  stage: z.enum(['before-headers', 'after-headers']).default('before-headers'),
});

export const hangKind = defineResponseKind({
  name: 'hang',
  summary: 'hold the request open, never answer (optionally after sending headers)',
  role: 'response',
  attributes,
  async respond({ attributes: a, res, produce, interruptions }) {
    if (a.stage === 'after-headers') {
      const prepared = await produce();
      if (!interruptions.clientGone) writeHeadOnly(res, prepared, prepared.body.length);
    }
    await interruptions.hold();
    res.socket?.destroy();
    return 'hang';
  },
});
