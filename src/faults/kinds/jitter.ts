/**
 * `jitter`: delays vary around a centre. Toxiproxy draws latency ± U(−jitter, +jitter) per
 * chunk and never waits less than zero, so the centre defaults to `jitter` itself: delays then
 * spread over [0, 2·jitter] instead of half of them collapsing to zero.
 */
import { toxicDurationMs } from '../schema.ts';
import { toxicKind, wholeMs } from './network-common.ts';

export const jitterFault = toxicKind({
  kind: 'jitter',
  summary: 'delay data by a varying amount: `latency` (default = `jitter`) ± `jitter`',
  type: 'latency',
  shape: { jitter: toxicDurationMs, latency: toxicDurationMs.optional() },
  toxic: (a) => ({ latency: wholeMs(a.latency ?? a.jitter), jitter: wholeMs(a.jitter) }),
  refine: (a, ctx) => {
    if (a.jitter <= 0) ctx.addIssue({ code: 'custom', path: ['jitter'], message: 'must be more than 0' });
  },
});
