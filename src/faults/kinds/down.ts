/**
 * `down`: the proxy is disabled, so new connections are refused and open ones dropped — the
 * provider's host is gone. Not a toxic in Toxiproxy: it is the proxy's `enabled` flag, and the
 * revert restores the flag as it was before.
 */
import { z } from 'zod';
import { isProxyApiStatus } from '../../proxy/adapter.ts';
import type { FaultKind } from '../types.ts';
import { targetProxy } from './network-common.ts';

export const downFault: FaultKind<Record<string, never>> = {
  kind: 'down',
  family: 'network',
  summary: 'disable the proxy: connections refused, open ones closed',
  attributes: z.strictObject({}),
  probabilityApplies: false,
  async apply(fault, ctx, steps) {
    const { proxy, network } = targetProxy(fault, ctx);
    const before = await network.adapter.getProxy(proxy.name);
    if (before.enabled) {
      await network.adapter.disable(proxy.name);
      steps.done(`re-enable proxy ${proxy.name}`, async () => {
        try {
          await network.adapter.enable(proxy.name);
        } catch (error) {
          // A proxy deleted meanwhile has nothing left to re-enable.
          if (!isProxyApiStatus(error, 404)) throw error;
        }
      });
    }
    return { proxy: proxy.name, wasEnabled: before.enabled };
  },
};
