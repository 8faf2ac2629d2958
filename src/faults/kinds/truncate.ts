/** `truncate`: forwards at most `bytes` per connection, then closes — a JWKS body cut short. */
import { toxicBytes } from '../schema.ts';
import { toxicKind } from './network-common.ts';

export const truncateFault = toxicKind({
  kind: 'truncate',
  summary: 'forward at most `bytes` per connection, then close (limit_data)',
  type: 'limit_data',
  shape: {
    bytes: toxicBytes.min(0, { error: 'must be 0 or more' }),
  },
  toxic: (a) => ({ bytes: a.bytes }),
});
