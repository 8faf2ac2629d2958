/**
 * The one door to Toxiproxy for the whole harness (only src/faults/ should come through it):
 * a deadline-bounded, status-reporting adapter over toxiproxy-node-client that drives a real
 * Toxiproxy when `TOXIPROXY_URL` is set and keystorm's embedded server otherwise.
 */
export { ProxyAdapter, DEFAULT_PROXY_API_TIMEOUT_MS, listenAddress } from './adapter-client.ts';
export type {
  ProxyAdapterOptions,
  ProxyInput,
  ProxyState,
  ToxicInput,
  ToxicState,
  ToxicStream,
  ToxicType,
} from './adapter-client.ts';
export { ProxyApiError, isProxyApiStatus } from './adapter-transport.ts';
export { connectProxyControl } from './adapter-control.ts';
export type { ConnectProxyControlOptions, ProxyControl } from './adapter-control.ts';
