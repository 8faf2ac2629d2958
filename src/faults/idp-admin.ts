/**
 * Reaches mock-idp's fault API from a URL and token (the `keystorm fault` command, or a run
 * whose IdP was started elsewhere) through mock-idp's own typed admin client, which owns the
 * bearer auth, deadlines and error mapping.
 */
import { createAdminClient } from '../../mock-idp/admin-client.ts';
import type { FaultClient } from '../../mock-idp/faults/client.ts';

export interface IdpAdminOptions {
  /** Admin base URL, e.g. `http://127.0.0.1:4001`. */
  adminUrl: string;
  token: string;
  /** Deadline of each call in ms (default 5000). */
  timeoutMs?: number;
}

/** `admin.faults` of a mock-idp reached over HTTP. */
export function connectIdpFaults(options: IdpAdminOptions): FaultClient {
  return createAdminClient({
    baseUrl: options.adminUrl,
    token: options.token,
    timeoutMs: options.timeoutMs ?? 5000,
  }).faults;
}
