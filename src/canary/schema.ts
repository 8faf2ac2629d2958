/**
 * The `canary` section of the config file: a bounded synthetic probe of a *deployed* gateway
 * that trusts a *real* identity provider (`keystorm canary`). Every option, its default and its
 * meaning are defined here once (docs/config.md is generated from the config schema, which holds
 * this section under `canary`). Cross-field checks (allow-listed hosts, the rate cap, secrets in
 * the environment) live in config.ts.
 */
import { z } from 'zod';
import { durationSchema } from '../util/duration-schema.ts';
import { refusalStatus } from '../load/outcome.ts';

/** A duration option → milliseconds within [min, max] (see src/util/duration-schema.ts). */
const duration = (description: string, min: number, max: number) => durationSchema(description, { min, max });

const SECOND = 1000;
const MINUTE = 60 * SECOND;
/** The longest canary a config may ask for: a canary is a probe, not a soak. */
export const MAX_CANARY_DURATION_MS = 6 * 60 * MINUTE;

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const status = z.int().min(100).max(599);
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

export const canaryRequestSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be letters, digits, . _ - (a label value)')
    .optional()
    .meta({ description: 'Name in reports and metric labels; `METHOD path` when absent.' }),
  method: z
    .string()
    .regex(/^[A-Z]+$/, 'must be an upper-case HTTP method')
    .default('GET')
    .meta({ description: 'HTTP method.' }),
  path: z
    .string()
    .startsWith('/', 'must start with /')
    .meta({ description: 'Path on the target, placeholders allowed (`/v1/{{claims.sub}}`).' }),
  headers: z.record(z.string(), z.string()).default({}).meta({
    description:
      'Headers, placeholders allowed: `{{token}}`, `{{claims.<path>}}`. A header filled from a claim is what the header-missing and header-mismatch cases drop or alter. `authorization: Bearer {{token}}` is added unless given.',
  }),
  body: z.string().optional().meta({ description: 'Request body, placeholders allowed.' }),
  expect: z.array(status).min(1).optional().meta({
    description: 'Statuses valid traffic expects; any 2xx/3xx when absent. 401 and 403 are failures.',
  }),
});

const clientAuth = z
  .enum(['client_secret_basic', 'client_secret_post'])
  .default('client_secret_basic')
  .meta({ description: 'How the client authenticates at the token endpoint.' });
const issuer = httpUrl.meta({
  description:
    'The issuer URL; its `/.well-known/openid-configuration` names the token endpoint (and its `issuer` must match).',
});
/** Where the canary reads its client credentials unless the config names other variables. */
export const DEFAULT_CLIENT_ID_ENV = 'KEYSTORM_CANARY_CLIENT_ID';
export const DEFAULT_CLIENT_SECRET_ENV = 'KEYSTORM_CANARY_CLIENT_SECRET';
const clientIdEnv = envName
  .default(DEFAULT_CLIENT_ID_ENV)
  .meta({ description: 'Environment variable holding the client id.' });
const scope = z
  .string()
  .min(1)
  .optional()
  .meta({ description: "Scope to ask for, space-separated; the IdP's default grant when absent." });

const clientCredentialsSource = z.strictObject({
  grant: z.literal('client_credentials'),
  issuer,
  clientIdEnv,
  clientSecretEnv: envName
    .default(DEFAULT_CLIENT_SECRET_ENV)
    .meta({ description: 'Environment variable holding the client secret (never in the file).' }),
  auth: clientAuth,
  scope,
});

const refreshTokenSource = z.strictObject({
  grant: z.literal('refresh_token'),
  issuer,
  clientIdEnv,
  clientSecretEnv: envName
    .optional()
    .meta({ description: 'Environment variable holding the client secret; a public client when absent.' }),
  auth: clientAuth,
  refreshTokenEnv: envName.default('KEYSTORM_CANARY_REFRESH_TOKEN').meta({
    description: 'Environment variable holding the first refresh token; rotated refresh tokens are followed.',
  }),
  scope,
});

const commandSource = z.strictObject({
  grant: z.literal('command'),
  command: z.array(z.string().min(1)).min(1).meta({
    description:
      'A command (argument list, no shell) that prints an access token, or a JSON token response (`access_token`, `expires_in`), on stdout. Run for every token the canary needs.',
  }),
  timeout: duration('Deadline of one run of the command.', 100, 5 * MINUTE).prefault('30s'),
});

export const tokenSourceSchema = z
  .discriminatedUnion('grant', [clientCredentialsSource, refreshTokenSource, commandSource], {
    error: "must be { grant: 'client_credentials' | 'refresh_token' | 'command', … }",
  })
  .meta({
    description:
      "Where tokens come from: the real IdP through OIDC discovery (`grant: 'client_credentials'` or `'refresh_token'`, secrets from the environment) or a command of yours (`grant: 'command'`).",
  });

const expected = (fallback: number, what: string) =>
  z
    .union([status, z.literal(false)], { error: 'must be an HTTP status or false (skip the case)' })
    .default(fallback)
    .meta({ description: `${what} Expected status; \`false\` skips the case.` });

export const negativesSchema = z
  .strictObject({
    // Defaults from keystorm's one expectation table, where the canary's cases are the same cases.
    noToken: expected(refusalStatus('no-token'), 'No Authorization header.'),
    malformed: expected(refusalStatus('malformed'), 'The token without its signature part.'),
    algNone: expected(refusalStatus('alg-none'), 'The token re-encoded with `alg: none` and no signature.'),
    badSignature: expected(refusalStatus('bad-signature'), 'The token with its signature bytes flipped.'),
    headerMissing: expected(
      refusalStatus('header-missing'),
      'A valid token, the claim-derived headers of the first request left out.',
    ),
    headerMismatch: expected(
      refusalStatus('header-mismatch'),
      'A valid token, the claim-derived headers of the first request altered.',
    ),
    missingScope: z
      .strictObject({
        scope: z.string().min(1).meta({ description: 'The narrower scope to ask the IdP for.' }),
        expect: status.default(refusalStatus('missing-scope')).meta({ description: 'Expected status.' }),
      })
      .optional()
      .meta({
        description:
          'A token the IdP issues with a narrower scope (client_credentials or refresh_token only); skipped when absent.',
      }),
  })
  .meta({
    description:
      'Tokens and requests a correct gateway refuses, derived from a fresh token without any signing key; sent with every forced refresh against the first request.',
  });

export const canaryPushGatewaySchema = z
  .strictObject({
    url: httpUrl.meta({ description: 'Base URL of the Pushgateway (`http://pushgateway:9091`).' }),
    job: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]+$/, 'must be letters, digits, _ . : -')
      .default('keystorm_canary')
      .meta({ description: 'The `job` label of the pushed group.' }),
    instance: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]+$/, 'must be letters, digits, _ . : -')
      .optional()
      .meta({
        description: "The `instance` label of the pushed group; this machine's host name when absent.",
      }),
  })
  .meta({
    description:
      'Push every probe result and the per-window figures to a Prometheus Pushgateway during the run (text format, PUT per push).',
  });

export const canarySchema = z
  .strictObject({
    target: httpUrl.meta({ description: 'Base URL of the deployed gateway.' }),
    requests: z.array(canaryRequestSchema).min(1).max(10).meta({
      description: 'Protected request(s) every probe sends; the first one also carries the negative cases.',
    }),
    token: tokenSourceSchema,
    duration: duration('How long the canary runs (bounded).', SECOND, MAX_CANARY_DURATION_MS).prefault('10m'),
    interval: duration(
      'Cadence: every interval a fresh token plus the protected request(s), plus the near-expiry and reused-token probes when due.',
      100,
      10 * MINUTE,
    ).prefault('2s'),
    refreshEvery: duration(
      'A forced refresh (refresh grant, or a new token with the cached one discarded) and the negative cases, this often.',
      100,
      60 * MINUTE,
    ).prefault('10s'),
    nearExpiry: z
      .union([duration('', 100, 60 * MINUTE), z.literal(false)], {
        error: 'must be a duration or false',
      })
      .prefault('15s')
      .meta({
        description:
          'One token is kept and used once more when it has at most this long left (`false`: never). Must exceed `interval` so a tick falls in the window.',
        kind: 'duration or false',
      }),
    reusedToken: z.boolean().default(true).meta({
      description:
        'Also probe with the very first token for the whole run, reported apart and never judged: it shows what a token-reusing canary would have seen.',
    }),
    negatives: z
      .union([negativesSchema, z.literal(false)], { error: 'must be an object of cases or false' })
      .prefault({})
      .meta({ description: 'Negative cases (see `canary.negatives.*`); `false` sends none.' }),
    window: duration(
      'Length of one window of the per-window figures (report and Pushgateway).',
      100,
      60 * MINUTE,
    ).prefault('30s'),
    requestTimeout: duration('Deadline of one request to the target or the IdP.', 100, 2 * MINUTE).prefault(
      '5s',
    ),
    maxRate: z.number().gt(0).max(1000).default(10).meta({
      description:
        'Cap on requests per second to the target and the IdP together. A config whose cadence needs more is refused; at run time requests wait rather than exceed it.',
    }),
    pushGateway: canaryPushGatewaySchema.optional(),
  })
  .meta({
    description:
      '`keystorm canary`: probes a deployed gateway with tokens from its real IdP (docs/canary.md). A non-loopback target, IdP or Pushgateway needs its host in `allowHosts`.',
  });

/** What users write. */
export type CanaryConfigInput = z.input<typeof canarySchema>;
/** Parsed: defaults filled, durations in milliseconds. */
export type CanaryConfig = z.output<typeof canarySchema>;
export type CanaryRequest = z.output<typeof canaryRequestSchema>;
export type TokenSourceConfig = z.output<typeof tokenSourceSchema>;
export type NegativesConfig = z.output<typeof negativesSchema>;
export type CanaryPushGatewayConfig = z.output<typeof canaryPushGatewaySchema>;
