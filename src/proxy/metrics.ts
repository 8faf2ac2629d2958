/**
 * /metrics in Prometheus text format: Toxiproxy's byte counters per proxy and direction. The
 * values are read from the sockets at scrape time, so the forwarding path pays nothing for them.
 */
import type { TcpProxy } from './proxy.ts';
import { STREAMS } from './toxic.ts';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function renderMetrics(proxies: readonly TcpProxy[]): string {
  const received: string[] = [];
  const sent: string[] = [];
  for (const proxy of proxies) {
    for (const direction of STREAMS) {
      const labels = `direction="${direction}",listener="${label(proxy.listen)}",proxy="${label(proxy.name)}",upstream="${label(proxy.upstream)}"`;
      const bytes = proxy.bytes(direction);
      received.push(`toxiproxy_proxy_received_bytes_total{${labels}} ${bytes.received}`);
      sent.push(`toxiproxy_proxy_sent_bytes_total{${labels}} ${bytes.sent}`);
    }
  }
  return [
    '# HELP toxiproxy_proxy_received_bytes_total The total bytes received from the source (client for upstream, server for downstream)',
    '# TYPE toxiproxy_proxy_received_bytes_total counter',
    ...received,
    '# HELP toxiproxy_proxy_sent_bytes_total The total bytes sent to the destination (server for upstream, client for downstream)',
    '# TYPE toxiproxy_proxy_sent_bytes_total counter',
    ...sent,
    '',
  ].join('\n');
}
