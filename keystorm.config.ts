/**
 * keystorm's own configuration: the built-in suite against the bundled example gateway
 * (examples/gateway), on embedded defaults — mock-idp and the embedded Toxiproxy-compatible
 * proxy start in-process, the gateway is spawned per scenario.
 *
 *   npx keystorm run                                   # hardened gateway: every SLO met
 *   npx keystorm run --sut-env KEY_CACHE=naive          # the incident's naive cache: breaches
 *
 * The gateway's cache timings are set short (a TTL of 10 s, a cooldown of 2 s) so a drill takes
 * minutes; the scenarios' SLOs are written against these timings. `{{scaled …}}` shrinks them
 * with `--time-scale`, so a quicker CI pass keeps every scenario's proportions.
 */
import { defineConfig } from './src/config/index.ts';

export default defineConfig({
  idp: { issuers: ['gitlab', 'customersdot'], alg: 'ES256' },
  sut: {
    command: [process.execPath, '--import', 'tsx', 'examples/gateway/main.ts'],
    replicas: 2,
    readyUrl: '/ready',
    metricsUrl: '/metrics',
    env: {
      GATEWAY_PORT: '{{port}}',
      GATEWAY_PROVIDERS: '{{idp.providers}}',
      GATEWAY_ISSUERS: '{{idp.issuers}}',
      GATEWAY_JWKS_CLIENT_ID: '{{replica.id}}',
      GATEWAY_AUDIENCE: '{{idp.audience}}',
      GATEWAY_HEADER_CLAIMS: 'X-Gitlab-Instance-Id=gitlab_instance_id',
      GATEWAY_CLOCK_TOLERANCE: '{{scaled 5s}}',
      KEY_CACHE: 'hardened',
      JWKS_TTL: '{{scaled 10s}}',
      JWKS_MIN_TTL: '{{scaled 1s}}',
      JWKS_REFRESH_AHEAD: '{{scaled 2s}}',
      JWKS_STALE_GRACE: '10m',
      JWKS_UNKNOWN_KID_COOLDOWN: '{{scaled 2s}}',
      JWKS_BACKOFF_BASE: '{{scaled 250ms}}',
      JWKS_BACKOFF_MAX: '{{scaled 2s}}',
      JWKS_FETCH_TIMEOUT: '1500ms',
      GATEWAY_VERIFY_TIMEOUT: '2s',
    },
    logPatterns: {
      'old-jwks-recached': 'Old JWKS re-cached: some key providers failed',
      'incomplete-jwks-cached':
        'Incomplete JWKS cached: some key providers failed, no old cache to fall back to',
    },
    // What the gateway's key cache does with the env above, so the scenarios derive their fault
    // lengths from it (an outage outlasts the TTL, a rotation waits out the cooldown). `scaled`
    // follows `--time-scale` as `{{scaled …}}` does. `keystorm calibrate` measures the same.
    profile: {
      ttlMs: { scaled: '10s' },
      refreshAheadMs: { scaled: '2s' },
      unknownKidCooldownMs: { scaled: '2s' },
      fetchTimeoutMs: '1500ms',
      clockToleranceMs: { scaled: '5s' },
      capabilities: {
        scopes403: true,
        claimHeaders401: true,
        readinessReflectsKeys: true,
        logPatterns: ['old-jwks-recached', 'incomplete-jwks-cached'],
      },
    },
    request: {
      method: 'POST',
      path: '/v2/code/completions',
      headers: { 'X-Gitlab-Instance-Id': '{{claims.gitlab_instance_id}}' },
      expect: [200],
    },
  },
  load: { connections: 16, requestTimeout: '5s' },
  scenarios: ['*'],
  // Half-length scenarios (and gateway timings, through {{scaled …}}): the suite in about three
  // minutes. `--time-scale 1` plays the full drill.
  timeScale: 0.5,
  output: { dir: 'reports/latest' },
});
