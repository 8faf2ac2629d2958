/**
 * drip: sends the real response slowly — headers at once, then `chunkBytes` every `interval` —
 * so idle timeouts never fire and only a total deadline helps (FM15). If the fault ends mid-way
 * the rest is sent at once; if the client leaves, the drip stops.
 */
import { z } from 'zod';
import { zDuration } from '../zod-helpers.ts';
import { defineResponseKind } from './kind.ts';
import { writeChunk, writeHeadOnly } from '../response-io.ts';

const attributes = z.strictObject({
  chunkBytes: z.number().int().min(1).max(1_048_576).default(16),
  interval: zDuration({ max: 60_000 }).default(100),
});

export const dripKind = defineResponseKind({
  name: 'drip',
  summary: 'the real body written in small pieces with a delay between them',
  role: 'response',
  attributes,
  async respond({ attributes: a, res, produce, interruptions }) {
    const prepared = await produce();
    if (interruptions.clientGone) return 'aborted';
    const body = prepared.body;
    writeHeadOnly(res, prepared, body.length);
    let offset = 0;
    // Bounded: one iteration per chunk of a finite body.
    while (offset < body.length) {
      const end = Math.min(offset + a.chunkBytes, body.length);
      await writeChunk(res, body.subarray(offset, end));
      offset = end;
      if (offset >= body.length) break;
      const waited = await interruptions.sleep(a.interval);
      if (waited === 'client-gone') return 'aborted';
      if (waited === 'fault-ended') {
        await writeChunk(res, body.subarray(offset));
        break;
      }
    }
    res.end();
    return prepared.status;
  },
});
