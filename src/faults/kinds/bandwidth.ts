/** `bandwidth`: throttles throughput, so large key sets or discovery documents arrive slowly. */
import { z } from 'zod';
import { MAX_BANDWIDTH_KBPS } from '../../proxy/toxics/bounds.ts';
import { toxicKind } from './network-common.ts';

export const bandwidthFault = toxicKind({
  kind: 'bandwidth',
  summary: 'limit throughput to `rate` KB/s',
  type: 'bandwidth',
  shape: {
    rate: z
      .number({ error: 'must be a number of KB/s' })
      .int({ error: 'must be a whole number of KB/s' })
      .positive({ error: 'must be more than 0 KB/s' })
      .max(MAX_BANDWIDTH_KBPS, { error: `must be at most ${MAX_BANDWIDTH_KBPS} KB/s` }),
  },
  toxic: (a) => ({ rate: a.rate }),
});
