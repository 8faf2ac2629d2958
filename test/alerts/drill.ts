/**
 * A real JWKS-latency drill for the alert tests: mock-idp, the example gateway as a real process
 * (naive or hardened key cache), steady load from src/load, and the alert recorder scraping the
 * gateway's and mock-idp's /metrics every second. The fault (JWKS latency 1200 ms, the pizza
 * factory's) starts after a quiet lead-in so the rules see a healthy baseline first.
 */
import { startMockIdp, type MockIdp } from '../../mock-idp/index.ts';
import { runLoad } from '../../src/load/index.ts';
import { startAlertRecording, type RecordedSeries } from '../../src/alerts/index.ts';
import { spawnGateway, type SpawnedGateway } from '../gateway/spawn-gateway.ts';

export interface DrillRecording {
  readonly strategy: 'naive' | 'hardened';
  readonly recording: RecordedSeries;
  readonly faultStartMs: number;
  /** Status counts of the load, to show the drill really produced (or avoided) 401s. */
  readonly statuses: Record<string, number>;
}

export async function startIdp(): Promise<MockIdp> {
  return startMockIdp({ seed: 41 });
}

/** Runs the drill against one gateway; leadInMs of healthy load, then faultMs under JWKS latency. */
export async function recordDrill(
  idp: MockIdp,
  strategy: 'naive' | 'hardened',
  options: { leadInMs: number; faultMs: number; rate?: number },
): Promise<DrillRecording> {
  const gateway: SpawnedGateway = await spawnGateway({
    GATEWAY_PROVIDERS: idp.issuers.map((i) => `${i.name}=${i.issuerUrl}`).join(','),
    GATEWAY_JWKS_CLIENT_ID: `alerts-${strategy}`,
    KEY_CACHE: strategy,
    JWKS_TTL: '1s',
    JWKS_MIN_TTL: '1s',
    JWKS_REFRESH_AHEAD: '500ms',
    JWKS_FETCH_TIMEOUT: '5s',
    GATEWAY_VERIFY_TIMEOUT: '2s',
  });
  try {
    const [token] = (await idp.admin.tokens.mint('gitlab', {})).tokens;
    const recorder = startAlertRecording({
      targets: [
        { job: 'sut', url: `${gateway.url}/metrics` },
        { job: 'mock-idp', url: idp.metricsUrl },
      ],
    });
    let faultStartMs = 0;
    const fault = setTimeout(() => {
      faultStartMs = Date.now();
      void idp.admin.faults.add({ kind: 'latency', scope: { endpoint: 'jwks' }, attributes: { ms: 1200 } });
    }, options.leadInMs);
    const result = await runLoad({
      target: gateway.url,
      source: () => ({ path: '/api/auth/verify', headers: { authorization: `Bearer ${token}` } }),
      phases: [
        { type: 'constant-arrival', rate: options.rate ?? 40, duration: options.leadInMs + options.faultMs },
      ],
      connections: 40,
      timeout: '10s',
    });
    clearTimeout(fault);
    const recording = await recorder.stop();
    const statuses: Record<string, number> = {};
    for (const kind of Object.values(result.summary.kinds)) {
      for (const [status, n] of Object.entries(kind.status)) statuses[status] = (statuses[status] ?? 0) + n;
    }
    return { strategy, recording, faultStartMs, statuses };
  } finally {
    await idp.admin.faults.clear();
    await gateway.stop();
  }
}
