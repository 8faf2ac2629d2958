/**
 * Typed client for the fault admin routes (`admin.faults` of the mock-idp admin client). The
 * harness's HTTP fault kinds install and revert faults only through this.
 */
import type { AdminRequest } from '../contracts.ts';
import type { FaultRecord, FaultSpec } from './types.ts';

export interface FaultClient {
  /** Installs a fault; resolves to its record (with `id` and `expiresAt`). */
  add(spec: FaultSpec): Promise<FaultRecord>;
  /** Removes a fault; rejects (404) when it is unknown or already expired. */
  remove(id: string): Promise<void>;
  get(id: string): Promise<FaultRecord>;
  list(): Promise<FaultRecord[]>;
  /** Removes every fault. */
  clear(): Promise<void>;
}

export function faultClient(request: AdminRequest): FaultClient {
  return {
    add: (spec) => request<FaultRecord>('POST', '/faults', spec),
    remove: async (id) => {
      await request<unknown>('DELETE', `/faults/${encodeURIComponent(id)}`);
    },
    get: (id) => request<FaultRecord>('GET', `/faults/${encodeURIComponent(id)}`),
    list: async () => (await request<{ faults: FaultRecord[] }>('GET', '/faults')).faults,
    clear: async () => {
      await request<unknown>('DELETE', '/faults');
    },
  };
}
