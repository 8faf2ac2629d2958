/** `truncate`: forwards at most `bytes` per connection, then closes — a JWKS body cut short. */
import { z } from 'zod';
import { toxicKind } from './network-common.ts';

export const truncateFault = toxicKind({
  kind: 'truncate',
  summary: 'forward at most `bytes` per connection, then close (limit_data)',
  type: 'limit_data',
  shape: {
    bytes: z
      .number({ error: 'must be a number of bytes' })
      .int({ error: 'must be a whole number of bytes' })
      .min(0, { error: 'must be 0 or more' }),
  },
  toxic: (a) => ({ bytes: a.bytes }),
});
