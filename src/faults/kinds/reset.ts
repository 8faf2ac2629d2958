/** `reset`: the connection is reset (RST) on first data, after `timeout` — ECONNRESET for the client. */
import { toxicDurationMs } from '../schema.ts';
import { toxicKind, wholeMs } from './network-common.ts';

export const resetFault = toxicKind({
  kind: 'reset',
  summary: 'reset connections (ECONNRESET) on first data, after `timeout` (default 0)',
  type: 'reset_peer',
  shape: { timeout: toxicDurationMs.default(0) },
  toxic: (a) => ({ timeout: wholeMs(a.timeout) }),
});
