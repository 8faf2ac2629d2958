/**
 * `black-hole`: data goes in, nothing comes out (Toxiproxy's `timeout` toxic) — the fetch
 * without an effective deadline (FM14). With `timeout` 0 the connection stays open until the
 * fault is reverted; otherwise it is closed after `timeout`.
 */
import { durationMs } from '../schema.ts';
import { toxicKind, wholeMs } from './network-common.ts';

export const blackHoleFault = toxicKind({
  kind: 'black-hole',
  summary: 'swallow all data; close after `timeout` (default 0 = hold until reverted)',
  type: 'timeout',
  shape: { timeout: durationMs.default(0) },
  toxic: (a) => ({ timeout: wholeMs(a.timeout) }),
});
