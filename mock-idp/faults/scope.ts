/**
 * Compiles a fault's scope into a matcher over RequestContext: issuer × endpoint × client,
 * optionally narrowed by source address or a request header. Sets make each test O(1).
 */
import type { Endpoint, RequestContext } from '../contracts.ts';
import type { ResolvedFaultSpec } from './types.ts';

export type ScopeMatcher = (ctx: RequestContext) => boolean;

/** `::ffff:127.0.0.1` and `127.0.0.1` are the same client address. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

export function compileScope(
  scope: ResolvedFaultSpec['scope'],
  kindEndpoints: readonly Endpoint[] | undefined,
): ScopeMatcher {
  const issuers = scope.issuer === undefined ? undefined : new Set(scope.issuer);
  const endpointList = scope.endpoint ?? kindEndpoints;
  const endpoints = endpointList === undefined ? undefined : new Set<string>(endpointList);
  const clients = scope.client === undefined ? undefined : new Set(scope.client);
  const addresses =
    scope.remoteAddress === undefined ? undefined : new Set(scope.remoteAddress.map(normalizeAddress));
  const header = scope.header;
  return (ctx) => {
    if (issuers !== undefined && !issuers.has(ctx.issuer)) return false;
    if (endpoints !== undefined && !endpoints.has(ctx.endpoint)) return false;
    if (clients !== undefined && !clients.has(ctx.clientId)) return false;
    if (addresses !== undefined && !addresses.has(normalizeAddress(ctx.remoteAddress))) return false;
    if (header !== undefined) {
      const value = ctx.headers[header.name];
      if (value === undefined) return false;
      if (header.value !== undefined) {
        if (Array.isArray(value) ? !value.includes(header.value) : value !== header.value) return false;
      }
    }
    return true;
  };
}
