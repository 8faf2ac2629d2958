/**
 * `black-hole`: data goes in, nothing comes out (Toxiproxy's `timeout` toxic) — the fetch
 * without an effective deadline (FM14). With `timeout` 0 the connection stays open until the
 * fault is reverted (or the upstream closes it); otherwise it is closed after `timeout`.
 * Both directions by default: requests never reach the upstream, so it has nothing to answer
 * and no reason to close — the client hangs, as behind a dropped route. (A downstream-only
 * black hole ends as soon as the upstream closes, since Toxiproxy closes on upstream EOF.)
 */
import { toxicDurationMs } from '../schema.ts';
import { toxicKind, wholeMs } from './network-common.ts';

export const blackHoleFault = toxicKind({
  kind: 'black-hole',
  summary: 'swallow all data; close after `timeout` (default 0 = hold until reverted)',
  type: 'timeout',
  defaultStream: 'both',
  shape: { timeout: toxicDurationMs.default(0) },
  toxic: (a) => ({ timeout: wholeMs(a.timeout) }),
});
