/**
 * The real parts a journey needs, started on loopback: mock-idp in-process and the example
 * gateway as a child process, configured for the demo page (short tokens, so the journey sees
 * a refresh). Stops only what it started.
 */
import { startMockIdp, type MockIdp } from '../../mock-idp/index.ts';
import { FAST_TIMINGS, spawnGateway, type SpawnedGateway } from '../gateway/spawn-gateway.ts';

export interface JourneyStack {
  readonly idp: MockIdp;
  readonly gateway: SpawnedGateway;
  close(): Promise<void>;
}

/** Starts mock-idp and a gateway trusting its `gitlab` issuer; `env` adds or overrides gateway variables. */
export async function startJourneyStack(env: Record<string, string> = {}): Promise<JourneyStack> {
  const idp = await startMockIdp({ issuers: ['gitlab'], seed: 11 });
  const gitlab = idp.urlsFor('gitlab');
  let gateway: SpawnedGateway;
  try {
    gateway = await spawnGateway({
      ...FAST_TIMINGS,
      GATEWAY_PROVIDERS: `gitlab=${gitlab.issuerUrl}`,
      GATEWAY_PAGE_TOKEN_TTL: '2s',
      GATEWAY_PAGE_FOLLOW_UP_DELAY: '200ms',
      ...env,
    });
  } catch (error) {
    await idp.close();
    throw error;
  }
  return {
    idp,
    gateway,
    close: async () => {
      await gateway.stop();
      await idp.close();
    },
  };
}
