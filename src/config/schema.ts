/**
 * The configuration schema: every option, its default and its meaning, defined once here, next
 * to its default. docs/config.md is generated from this file (see reference.ts), and a test
 * fails when the two drift apart. Objects are strict: an unknown key is an error, so a typo
 * never silently falls back to a default.
 *
 * Users write the loose input type (`Config`, everything optional); `resolve.ts` turns the
 * parsed output into the `FullConfig` the runtime sees.
 */
import { z } from 'zod';
import { SIGNING_ALGS } from '../../mock-idp/contracts.ts';
import { REPORTER_NAMES } from '../reporters/index.ts';
import { sutProfileSchema } from '../profile/schema.ts';
import { durationSchema } from '../util/duration-schema.ts';
import { canarySchema } from '../canary/schema.ts';

/** A duration option → milliseconds (see src/util/duration-schema.ts). */
const duration = (description: string) => durationSchema(description);

const port = z.int().min(0).max(65_535);
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
/** Issuer names become URL path segments and template keys (`{{idp.gitlab.jwks}}`). */
const issuerName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be lower-case letters, digits and dashes, starting with a letter');

const issuerSchema = z.union(
  [
    issuerName,
    z.strictObject({
      name: issuerName.meta({ description: 'Issuer name: the path segment and the template key.' }),
      alg: z
        .enum(SIGNING_ALGS)
        .optional()
        .meta({ description: 'Signing algorithm of this issuer; idp.alg when absent.' }),
    }),
  ],
  { error: 'must be an issuer name or { name, alg }' },
);

export const idpSchema = z
  .strictObject({
    issuers: z.array(issuerSchema).min(1).default(['gitlab', 'customersdot']).meta({
      description:
        'Key providers mock-idp serves, each under its own path with its own keys. Names or `{ name, alg }`. Two by default, so partial-outage scenarios have a provider to lose.',
    }),
    alg: z
      .enum(SIGNING_ALGS)
      .default('ES256')
      .meta({ description: 'Default signing algorithm of every issuer.' }),
    audience: z.string().min(1).optional().meta({
      description:
        "The `aud` of every token mock-idp mints (wrong-audience tokens carry another); offered to the SUT as `{{idp.audience}}`, the audience it should expect. Default: `gitlab-ai-gateway` when every issuer is one of mock-idp's built-in ones (`gitlab`, `customersdot`), else `keystorm` (what mock-idp mints for them on its own).",
    }),
    tls: z.boolean().default(false).meta({
      description:
        'Serve HTTPS with a self-signed CA; the CA file is offered to the SUT as `{{idp.ca}}` (e.g. for `NODE_EXTRA_CA_CERTS`).',
    }),
    host: z.string().min(1).default('127.0.0.1').meta({ description: 'Address mock-idp binds to.' }),
    port: port
      .default(0)
      .meta({ description: 'Data-plane port (discovery, JWKS, token); 0 picks a free one.' }),
    adminPort: port
      .default(0)
      .meta({ description: 'Admin-plane port (keys, faults, measurements); 0 picks a free one.' }),
    seed: z
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional()
      .meta({
        description: "Seed of mock-idp's key generation and fault randomness; the run's `seed` when absent.",
      }),
  })
  .prefault({})
  .meta({ description: 'The mock OIDC/JWKS provider keystorm starts next to the SUT.' });

export const proxySchema = z
  .strictObject({
    url: httpUrl.optional().meta({
      description:
        'API URL of a real Toxiproxy to drive instead of the embedded one. Default: the `TOXIPROXY_URL` environment variable; embedded when neither is set.',
    }),
    host: z.string().min(1).default('127.0.0.1').meta({
      description:
        'Address the embedded proxy API and the per-issuer proxies bind to. `0.0.0.0` lets a SUT on another machine reach them (see docs/staging.md).',
    }),
    port: port.default(0).meta({ description: "Embedded proxy's API port; 0 picks a free one." }),
    ports: z.record(z.string(), port).default({}).meta({
      description:
        "Fixed listen port of each issuer's proxy, by issuer name (`{ gitlab: 18001 }`); 0 or absent picks a free one. Fixed ports keep the issuer URLs the SUT sees the same from run to run.",
    }),
    publicHost: z.string().min(1).optional().meta({
      description:
        "Host name in the issuer URLs the SUT sees (`iss`, discovery, JWKS), e.g. the CI runner's name when a staging gateway elsewhere verifies our tokens. Default: `proxy.host` (127.0.0.1 when that is 0.0.0.0 or ::).",
    }),
  })
  .prefault({})
  .meta({ description: 'The Toxiproxy-compatible fault proxy in front of mock-idp (TCP-level faults).' });

const logPatternSchema = z.union(
  [
    z.string().min(1),
    z.instanceof(RegExp).meta({ kind: 'RegExp' }),
    z.strictObject({
      regex: z.string().min(1),
      flags: z
        .string()
        .regex(/^[imsu]*$/)
        .optional(),
    }),
  ],
  { error: 'must be a substring, a RegExp or { regex, flags }' },
);

export const requestSchema = z
  .strictObject({
    method: z
      .string()
      .regex(/^[A-Z]+$/, 'must be an upper-case HTTP method')
      .default('GET')
      .meta({ description: 'HTTP method.' }),
    path: z
      .string()
      .startsWith('/', 'must start with /')
      .default('/')
      .meta({ description: 'Path on the SUT, placeholders allowed (`/v1/{{claims.sub}}`).' }),
    headers: z.record(z.string(), z.string()).default({}).meta({
      description:
        'Headers, placeholders allowed: `{{token}}`, `{{claims.<path>}}`, `{{client}}`, `{{seq}}`, `{{phase}}`. `authorization: Bearer {{token}}` is added unless given.',
    }),
    body: z.string().optional().meta({ description: 'Request body, placeholders allowed.' }),
    expect: z
      .array(z.int().min(100).max(599))
      .min(1)
      .optional()
      .meta({ description: 'Statuses a valid request expects; any 2xx/3xx when absent.' }),
  })
  .prefault({})
  .meta({ description: 'The request the load engine sends with a valid token; scenarios vary it.' });

export const sutSchema = z
  .strictObject({
    command: z
      .union([z.string().min(1), z.array(z.string()).min(1)], {
        error: 'must be a command string or a list of arguments',
      })
      .optional()
      .meta({
        description:
          "Spawn the SUT with this command (templated per replica). An array runs as is (a bare `node` is this Node binary); a string runs via `/bin/sh -c 'exec …'`. Without it the SUT is attached by `url`.",
      }),
    cwd: z.string().min(1).optional().meta({
      description:
        "Working directory of the SUT, relative to the config file; the config file's directory when absent.",
    }),
    env: z.record(z.string(), z.string()).default({}).meta({
      description:
        'Environment of the SUT, templated per replica with the placeholders listed under "SUT templates" (`{{idp.gitlab.jwks}}`, `{{port}}`, `{{replica.id}}`, …).',
    }),
    inheritEnv: z
      .boolean()
      .default(true)
      .meta({ description: "Pass keystorm's own environment to the SUT (under `env`)." }),
    url: z.string().min(1).optional().meta({
      description:
        'Base URL. Spawned: usually `http://127.0.0.1:{{port}}`; when absent, read from the SUT\'s `{"msg":"listening","url":…}` stdout line. Attached: the URL of the running SUT.',
    }),
    readyUrl: z.string().min(1).optional().meta({
      description:
        'Readiness endpoint (2xx = ready): a path on `url` (`/ready`) or a full URL. When absent, an accepted TCP connection counts as ready.',
    }),
    readyTimeout: duration(
      'How long a (re)start may take until ready, including the listening line.',
    ).prefault('30s'),
    readyInterval: duration('Pause between readiness probes.').prefault('100ms'),
    metricsUrl: z.string().min(1).optional().meta({
      description:
        'Prometheus endpoint: a path on `url` (`/metrics`) or a full URL. Not scraped when absent.',
    }),
    replicas: z.int().min(1).max(32).default(1).meta({
      description: 'Number of SUT instances, each with its own port, `replica.id` and identity at mock-idp.',
    }),
    logPatterns: z.record(z.string(), logPatternSchema).default({}).meta({
      description:
        'Log lines to count, by name: a substring (`Old JWKS re-cached`), a RegExp (TS config) or `{ regex, flags }` (JSON). SLOs read the counts per window.',
    }),
    logLines: z
      .int()
      .min(10)
      .max(100_000)
      .default(1000)
      .meta({ description: 'Recent log lines kept per replica (for errors and reports).' }),
    logToFile: z
      .boolean()
      .default(true)
      .meta({ description: "Tee each replica's output to `<output.dir>/sut/<replica.id>.log`." }),
    stopTimeout: duration('Grace between SIGTERM and SIGKILL when stopping the SUT.').prefault('5s'),
    host: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .meta({ description: "Host on which each replica's `{{port}}` is reserved." }),
    request: requestSchema,
    profile: sutProfileSchema.optional(),
  })
  .optional()
  .meta({
    description:
      'The system under test: spawned (`command`) or attached (`url` only). No default: `keystorm run` needs one.',
  });

export const loadSchema = z
  .strictObject({
    connections: z.int().min(1).max(10_000).default(16).meta({
      description:
        "Connections to each SUT replica, and so its most requests in flight; a scenario's `load.connections` replaces it. With 3 replicas and 16, up to 48 in all.",
    }),
    requestTimeout: duration('Deadline of one request to the SUT; a miss counts as a timeout.').prefault(
      '5s',
    ),
    clientsPerIssuer: z.int().min(1).max(1000).default(8).meta({
      description:
        'Simulated OAuth clients per issuer whose tokens the load carries (`{{client}}` in requests).',
    }),
    tokenLifetime: duration(
      'Lifetime (`exp - iat`) of the tokens the load carries, in wall time (not scaled by timeScale). Whole seconds, 1s to 24h.',
    )
      .pipe(z.number().min(1000, 'must be at least 1s').max(86_400_000, 'must be at most 24h'))
      .prefault('5m'),
  })
  .prefault({})
  .meta({ description: 'Load defaults for every scenario.' });

const sloOverrideSchema = z.union(
  [
    z.literal(false),
    z.strictObject({
      threshold: z.string().min(1).optional(),
      thresholds: z.array(z.string().min(1)).min(1).optional(),
      strict: z.boolean().optional(),
      allowNoSamples: z.boolean().optional(),
    }),
  ],
  { error: 'must be false (drop the SLO) or { threshold, thresholds, strict, allowNoSamples }' },
);

export const slosSchema = z
  .strictObject({
    extra: z
      .array(z.unknown().meta({ kind: 'SLO' }))
      .default([])
      .meta({ description: "SLOs added to every scenario (same shape as a scenario's `slos`)." }),
    override: z.record(z.string(), z.record(z.string(), sloOverrideSchema)).default({}).meta({
      description:
        "Changes to built-in SLOs: `{ '<scenario or *>': { '<SLO name>': false | { threshold, strict, … } } }` — e.g. looser thresholds for a slower SUT, or warn-only.",
    }),
  })
  .prefault({})
  .meta({ description: 'SLO additions and overrides.' });

const reporterName = z.enum(REPORTER_NAMES);

export const outputSchema = z
  .strictObject({
    dir: z
      .string()
      .min(1)
      .default('reports/latest')
      .meta({ description: 'Directory for reports and SUT logs, relative to the config file.' }),
    reporters: z
      .array(reporterName)
      .min(1)
      .default(['console', 'json', 'markdown', 'junit', 'html'])
      .meta({ description: `Reporters to run: ${REPORTER_NAMES.join(', ')}.` }),
    pushGateway: httpUrl.optional().meta({
      description: 'Pushgateway URL for the `prometheus` reporter; it only writes a file when absent.',
    }),
  })
  .prefault({})
  .meta({ description: 'Where results go.' });

/** Prometheus metric and label names, as the rule files spell them (keys: section-checks.ts). */
export const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
export const METRIC_HINT = 'must be a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)';
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const LABEL_HINT = 'must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)';
const metricName = z.string().regex(METRIC_NAME, METRIC_HINT);
const labelName = z.string().regex(LABEL_NAME, LABEL_HINT);

export const alertsSchema = z
  .strictObject({
    files: z.array(z.string().min(1)).default([]).meta({
      description:
        "A team's own Prometheus rule files, relative to the config file: judged in every scenario with keystorm's drill-scale rules over the series recorded during the run (needs `promtool`). `run --alerts FILE` adds to them.",
    }),
    relabel: z
      .record(
        z.string(),
        z.union([
          metricName,
          z.strictObject({
            from: metricName,
            labels: z.record(z.string(), labelName).optional(),
          }),
        ]),
      )
      .default({})
      .meta({
        description:
          "Maps the metric names of your rule files to the series keystorm records: `{ http_server_requests_total: { from: 'http_requests_total', labels: { code: 'status' } } }` (your label name → recorded label name). Each mapped series is also written under your name, so the rule files are evaluated unchanged.",
      }),
  })
  .prefault({})
  .meta({ description: 'Alert rules judged during runs (see docs/alerts.md).' });

export const configSchema = z
  .strictObject({
    idp: idpSchema,
    proxy: proxySchema,
    sut: sutSchema,
    load: loadSchema,
    scenarios: z
      .array(
        z.union([z.string().min(1), z.record(z.string(), z.unknown()).meta({ kind: 'scenario object' })], {
          error: 'must be a scenario name, a file path or a scenario object',
        }),
      )
      .min(1)
      .default(['*'])
      .meta({
        description:
          'Scenarios to run, in order: built-in names (a `*` matches any characters: `auth-*`), scenario files (a path with `/` or ending in .ts/.mts/.cts/.js/.mjs/.cjs/.json, relative to the config file), or inline scenario objects.',
      }),
    slos: slosSchema,
    output: outputSchema,
    timeScale: z.number().gt(0).max(100).default(1).meta({
      description:
        "Factor applied to every scenario duration and offset: 0.25 for a quick CI pass, 1 for a drill. Scale the SUT's own TTLs/cooldowns (via `sut.env`) to match.",
    }),
    allowHosts: z.array(z.string().min(1)).default([]).meta({
      description:
        'Non-loopback hosts keystorm may send traffic to (the SUT, a real Toxiproxy). Loopback only when empty.',
    }),
    alerts: alertsSchema,
    canary: canarySchema.optional(),
    seed: z
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional()
      .meta({
        description:
          'Seed of every random choice (faults, jitter, tokens). Drawn at random and reported when absent; pass it back with `--seed` to replay a run.',
      }),
  })
  .meta({ description: 'keystorm configuration.' });

/** What users write: everything optional, durations as `'5s'` or milliseconds. */
export type Config = z.input<typeof configSchema>;
/** The schema's parsed output (defaults filled, durations in ms), before resolution. */
export type ParsedConfig = z.output<typeof configSchema>;
