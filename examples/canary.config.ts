/**
 * A canary against a deployed gateway that trusts a real IdP (docs/canary.md):
 *
 *   export KEYSTORM_CANARY_CLIENT_ID=… KEYSTORM_CANARY_CLIENT_SECRET=…
 *   npx keystorm canary --config examples/canary.config.ts
 *
 * Every interval (2 s) a fresh client_credentials token and the protected request; every 10 s a
 * forced refresh plus the negative cases; one token kept until its last 15 s; the first token
 * reused for the whole run (reported apart: the blind spot of a canary that never refreshes).
 * Ten minutes, at most 5 requests/s, every result pushed to the Pushgateway as it comes.
 * The hosts are placeholders: every host outside loopback must be listed in allowHosts.
 */
import { defineConfig } from '../src/config/index.ts';

export default defineConfig({
  allowHosts: ['gateway.example.com', 'idp.example.com', 'pushgateway.example.com'],
  output: { dir: 'reports/canary' },
  canary: {
    target: 'https://gateway.example.com',
    requests: [
      {
        name: 'code-completions',
        method: 'POST',
        path: '/v2/code/completions',
        headers: {
          'content-type': 'application/json',
          // Claim-derived headers: the header-missing and header-mismatch cases drop or alter them.
          'x-gitlab-instance-id': '{{claims.gitlab_instance_id}}',
          'x-gitlab-realm': '{{claims.gitlab_realm}}',
        },
        body: '{"prompt":"canary"}',
        expect: [200],
      },
    ],
    token: {
      grant: 'client_credentials',
      issuer: 'https://idp.example.com/gitlab',
      clientIdEnv: 'KEYSTORM_CANARY_CLIENT_ID',
      clientSecretEnv: 'KEYSTORM_CANARY_CLIENT_SECRET',
    },
    duration: '10m',
    interval: '2s',
    refreshEvery: '10s',
    nearExpiry: '15s',
    negatives: {
      // The IdP can issue a token without code_suggestions: the gateway must answer 403.
      missingScope: { scope: 'duo_chat', expect: 403 },
    },
    maxRate: 5,
    pushGateway: { url: 'https://pushgateway.example.com', job: 'keystorm_canary' },
  },
});
