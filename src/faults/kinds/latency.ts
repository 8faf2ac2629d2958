/** `latency`: delays every chunk by a fixed time (± jitter) — a slow provider or a long path. */
import { toxicDurationMs } from '../schema.ts';
import { toxicKind, wholeMs } from './network-common.ts';

export const latencyFault = toxicKind({
  kind: 'latency',
  summary: 'delay data through the proxy by `latency` (± `jitter`)',
  type: 'latency',
  shape: { latency: toxicDurationMs, jitter: toxicDurationMs.default(0) },
  toxic: (a) => ({ latency: wholeMs(a.latency), jitter: wholeMs(a.jitter) }),
});
