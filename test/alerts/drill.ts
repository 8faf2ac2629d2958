/**
 * A real JWKS-latency drill for the alert tests: mock-idp, the example gateway as real processes
 * (naive and hardened key caches side by side, same load, same fault), steady load from
 * src/load, and one alert recorder per gateway scraping its /metrics and mock-idp's every
 * second. The fault (JWKS latency 1200 ms, the pizza factory's) starts after a healthy lead-in
 * so the rules see a baseline first.
 */
import { startMockIdp, type MockIdp } from '../../mock-idp/index.ts';
import { runLoad } from '../../src/load/index.ts';
import { createClientSeries, startAlertRecording, type RecordedSeries } from '../../src/alerts/index.ts';
import { spawnGateway } from '../gateway/spawn-gateway.ts';

export type Strategy = 'naive' | 'hardened';

export interface DrillRecording {
  readonly recording: RecordedSeries;
  readonly faultStartMs: number;
  /** Status classes of the load, to show the drill really produced (or avoided) 401s. */
  readonly statuses: Record<string, number>;
}

export async function startIdp(): Promise<MockIdp> {
  return startMockIdp({ seed: 41 });
}

/**
 * Runs leadInMs of healthy load then faultMs under JWKS latency against one gateway per
 * strategy, all at once. TTL 3 s and a 2 s verify deadline at 40 req/s: the naive cache fans
 * out one fetch per miss onto its 8-connection pool and answers 401s; the hardened one coalesces.
 */
export async function recordDrill(
  idp: MockIdp,
  strategies: readonly Strategy[],
  options: {
    leadInMs: number;
    faultMs: number;
    /** Called once the gateways listen, before load, recording and fault (e.g. to start Prometheus). */
    onGatewaysUp?: (urls: Readonly<Record<string, string>>) => Promise<void>;
  },
): Promise<Record<string, DrillRecording>> {
  const gateways = await Promise.all(
    strategies.map((strategy) =>
      spawnGateway({
        GATEWAY_PROVIDERS: idp.issuers.map((i) => `${i.name}=${i.issuerUrl}`).join(','),
        GATEWAY_JWKS_CLIENT_ID: `alerts-${strategy}`,
        KEY_CACHE: strategy,
        JWKS_TTL: '3s',
        JWKS_MIN_TTL: '1s',
        JWKS_REFRESH_AHEAD: '500ms',
        JWKS_FETCH_TIMEOUT: '5s',
        GATEWAY_VERIFY_TIMEOUT: '2s',
      }),
    ),
  );
  const urls = Object.fromEntries(strategies.map((s, i) => [s, gateways[i]?.url ?? '']));
  try {
    await options.onGatewaysUp?.(urls);
  } catch (error) {
    await Promise.all(gateways.map((g) => g.stop()));
    throw error;
  }
  let faultStartMs = 0;
  const fault = setTimeout(() => {
    faultStartMs = Date.now();
    void idp.admin.faults.add({ kind: 'latency', scope: { endpoint: 'jwks' }, attributes: { ms: 1200 } });
  }, options.leadInMs);
  try {
    const [token] = (await idp.admin.tokens.mint('gitlab', {})).tokens;
    const runs = gateways.map(async (gateway, i) => {
      // Warm the key cache first: a cold naive cache under a 40 req/s start is a stampede of its
      // own, and an alert already firing before the fault cannot be credited with detecting it.
      await fetch(`${gateway.url}/api/auth/verify`, { headers: { authorization: `Bearer ${token}` } });
      const client = createClientSeries();
      const recorder = startAlertRecording({
        targets: [
          { job: 'sut', url: `${gateway.url}/metrics` },
          { job: 'mock-idp', url: idp.metricsUrl },
          client.target,
        ],
      });
      const result = await runLoad({
        target: gateway.url,
        source: () => ({ path: '/api/auth/verify', headers: { authorization: `Bearer ${token}` } }),
        phases: [{ type: 'constant-arrival', rate: 40, duration: options.leadInMs + options.faultMs }],
        connections: 40,
        timeout: '10s',
        onRequest: client.observe,
      });
      const recording = await recorder.stop();
      const statuses: Record<string, number> = {};
      for (const kind of Object.values(result.summary.kinds)) {
        for (const [status, n] of Object.entries(kind.status)) statuses[status] = (statuses[status] ?? 0) + n;
      }
      return [strategies[i] ?? '', { recording, statuses }] as const;
    });
    const done = await Promise.all(runs);
    return Object.fromEntries(done.map(([name, d]) => [name, { ...d, faultStartMs }]));
  } finally {
    clearTimeout(fault);
    await idp.admin.faults.clear();
    await Promise.all(gateways.map((g) => g.stop()));
  }
}
