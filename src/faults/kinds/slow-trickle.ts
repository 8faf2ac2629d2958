/**
 * `slow-trickle`: data arrives in small pieces with a pause between them (Toxiproxy's
 * `slicer`) — the slow-drip body that idle timeouts never catch (FM15), at the TCP level.
 */
import { toxicBytes as bytes, toxicDurationMs } from '../schema.ts';
import { toxicKind } from './network-common.ts';

export const slowTrickleFault = toxicKind({
  kind: 'slow-trickle',
  summary: 'slice data into ~`averageSize`-byte pieces (± `sizeVariation`) sent `delay` apart',
  type: 'slicer',
  shape: {
    averageSize: bytes.positive({ error: 'must be more than 0 bytes' }).default(16),
    sizeVariation: bytes.min(0, { error: 'must be 0 or more' }).default(0),
    delay: toxicDurationMs,
  },
  // Toxiproxy's slicer takes its delay in microseconds.
  toxic: (a) => ({
    average_size: a.averageSize,
    size_variation: a.sizeVariation,
    delay: Math.round(a.delay * 1000),
  }),
  refine: (a, ctx) => {
    if (a.sizeVariation >= a.averageSize) {
      ctx.addIssue({
        code: 'custom',
        path: ['sizeVariation'],
        message: `must be smaller than averageSize (${a.averageSize})`,
      });
    }
  },
});
