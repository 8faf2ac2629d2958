/**
 * The gateway's whole configuration, read from environment variables only. Every variable is
 * declared once in OPTIONS below with its default and meaning (docs/gateway.md mirrors this
 * table), so a drill can scale every timing down without touching code.
 */
import { ValidationError, type Problem } from '../../src/errors.ts';
import { tryParseDuration } from '../../src/util/duration.ts';

export const KEY_CACHE_STRATEGIES = ['naive', 'hardened'] as const;
export type KeyCacheStrategy = (typeof KEY_CACHE_STRATEGIES)[number];

/** Asymmetric JWS algorithms the gateway can verify; symmetric ones (HS*) and `none` never. */
export const SUPPORTED_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

/** One key provider (issuer) the gateway trusts. */
export interface ProviderConfig {
  /** Short name used in logs (`oidc_provider`) and metric labels, e.g. `gitlab`. */
  readonly name: string;
  /** The `iss` value tokens of this provider carry. */
  readonly issuer: string;
  /** Base URL of the provider; discovery lives at `<baseUrl>/.well-known/openid-configuration`. */
  readonly baseUrl: string;
  /** JWKS URL when given explicitly; otherwise it is discovered. */
  readonly jwksUrl: string | undefined;
}

/** One header-vs-claim check (GATEWAY_HEADER_CLAIMS). */
export interface HeaderClaim {
  readonly header: string;
  readonly claim: string;
  /** The header is only required when the token carries the claim. */
  readonly optional: boolean;
}

/** Fully resolved configuration. Durations are milliseconds. */
export interface GatewayConfig {
  readonly host: string;
  readonly port: number;
  readonly providers: readonly ProviderConfig[];
  readonly audience: readonly string[];
  readonly clockToleranceMs: number;
  readonly algorithms: readonly string[];
  readonly headerClaims: readonly HeaderClaim[];
  readonly keyCache: KeyCacheStrategy;
  readonly poolSize: number;
  readonly clientId: string | undefined;
  readonly verifyTimeoutMs: number;
  readonly fetchTimeoutMs: number;
  readonly maxJwksBytes: number;
  readonly ttlMs: number;
  readonly minTtlMs: number;
  readonly refreshAheadMs: number;
  readonly staleGraceMs: number;
  readonly unknownKidCooldownMs: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly discoveryTtlMs: number;
  readonly seed: number | undefined;
  readonly accessLog: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

interface Option {
  /** Environment variable name. */
  env: string;
  /** Default as written in the environment ('' = unset); a function when it depends on KEY_CACHE. */
  default: string | ((strategy: KeyCacheStrategy) => string);
  /** What it does (also the docs). */
  doc: string;
}

/** Every environment variable the gateway reads, with its default. */
export const OPTIONS = [
  { env: 'GATEWAY_HOST', default: '127.0.0.1', doc: 'Address to listen on (loopback by default).' },
  { env: 'GATEWAY_PORT', default: '8080', doc: 'Port to listen on; 0 picks a free port.' },
  {
    env: 'GATEWAY_PROVIDERS',
    default: '',
    doc: 'Required. Trusted key providers as `name=baseUrl,…`, e.g. `gitlab=http://127.0.0.1:9400/gitlab`. The base URL is the issuer unless GATEWAY_ISSUERS says otherwise.',
  },
  {
    env: 'GATEWAY_ISSUERS',
    default: '',
    doc: 'Optional `name=iss,…`: the `iss` claim of a provider when it differs from its base URL (e.g. keys fetched through a fault proxy).',
  },
  {
    env: 'GATEWAY_JWKS_URLS',
    default: '',
    doc: 'Optional `name=jwksUrl,…`: fetch these JWKS URLs directly; providers not listed are discovered through `<baseUrl>/.well-known/openid-configuration`.',
  },
  {
    env: 'GATEWAY_AUDIENCE',
    default: 'gitlab-ai-gateway',
    doc: 'Accepted `aud` values, comma-separated; `*` = the audience is not checked.',
  },
  { env: 'GATEWAY_CLOCK_TOLERANCE', default: '30s', doc: 'Leeway for `exp`/`nbf`/`iat`.' },
  {
    env: 'GATEWAY_ALGORITHMS',
    default: 'RS256,PS256,ES256,EdDSA',
    doc: 'Allow-listed JWS algorithms (asymmetric only: HS* and `none` are refused at start-up).',
  },
  {
    env: 'GATEWAY_HEADER_CLAIMS',
    default:
      'X-Gitlab-Instance-Id=gitlab_instance_id,X-Gitlab-Realm=gitlab_realm,X-Gitlab-Duo-Seat-Count=seat_count?',
    doc: "Header-vs-claim checks on feature routes as `Header=claim,…`. The header must be sent (401 `Header is missing: 'X'`) and, when the token carries the claim, equal it (401 `Header mismatch 'X'`). `Header=claim?`: the header is only required when the token carries the claim. `-` disables the checks.",
  },
  { env: 'KEY_CACHE', default: 'hardened', doc: 'Key-cache strategy: `naive` or `hardened`.' },
  {
    env: 'GATEWAY_POOL_SIZE',
    default: '8',
    doc: 'Outbound connections per provider origin (undici Agent), shared by discovery and JWKS fetches.',
  },
  {
    env: 'GATEWAY_JWKS_CLIENT_ID',
    default: '',
    doc: 'Replica identity at the provider: inserts `/_c/<id>` after the origin of every fetched URL and sends `x-keystorm-client: <id>`.',
  },
  {
    env: 'GATEWAY_VERIFY_TIMEOUT',
    default: '5s',
    doc: 'Longest a request waits for a key. naive: then 401 (verification timeout); hardened: 503.',
  },
  {
    env: 'JWKS_FETCH_TIMEOUT',
    default: (s) => (s === 'naive' ? '30s' : '3s'),
    doc: 'Total deadline of one discovery or JWKS fetch, body included (a slow drip cannot outlive it). Default 30s for naive, 3s for hardened.',
  },
  { env: 'JWKS_MAX_BYTES', default: '1048576', doc: 'Largest JWKS/discovery body accepted.' },
  {
    env: 'JWKS_TTL',
    default: '5m',
    doc: 'How long a fetched key set is fresh. hardened: a shorter Cache-Control max-age from the provider shortens it (never below JWKS_MIN_TTL); a longer one never extends it.',
  },
  {
    env: 'JWKS_MIN_TTL',
    default: '30s',
    doc: 'hardened: floor for the TTL, whatever JWKS_TTL or the provider say (the incident fix: collapse churn).',
  },
  {
    env: 'JWKS_REFRESH_AHEAD',
    default: '30s',
    doc: 'hardened: refresh in the background this long before expiry (jittered, at most half the TTL).',
  },
  {
    env: 'JWKS_STALE_GRACE',
    default: '15m',
    doc: 'hardened: how long past expiry last-known-good keys are still used while the provider fails.',
  },
  {
    env: 'JWKS_UNKNOWN_KID_COOLDOWN',
    default: '10s',
    doc: 'hardened: at most one refetch per provider per cooldown triggered by an unknown kid.',
  },
  {
    env: 'JWKS_BACKOFF_BASE',
    default: '1s',
    doc: 'hardened: first wait after a failed fetch; doubles per failure, jittered.',
  },
  { env: 'JWKS_BACKOFF_MAX', default: '30s', doc: 'hardened: longest wait between failed fetches.' },
  {
    env: 'JWKS_DISCOVERY_TTL',
    default: '24h',
    doc: 'hardened: how long a discovered jwks_uri is reused (kept on discovery errors). naive rediscovers on every fetch.',
  },
  {
    env: 'GATEWAY_SEED',
    default: '',
    doc: 'Seed of the jitter PRNG (reproducible jitter); random when empty.',
  },
  { env: 'GATEWAY_ACCESS_LOG', default: 'false', doc: 'Log one JSON line per request.' },
] as const satisfies readonly Option[];

type OptionName = (typeof OPTIONS)[number]['env'];

/**
 * Reads and validates the configuration. Throws a ValidationError listing every bad variable.
 */
export function loadConfig(env: Env = process.env): GatewayConfig {
  const problems: Problem[] = [];
  const strategyText = (env.KEY_CACHE ?? '').trim() || 'hardened';
  const keyCache: KeyCacheStrategy = (KEY_CACHE_STRATEGIES as readonly string[]).includes(strategyText)
    ? (strategyText as KeyCacheStrategy)
    : 'hardened';
  if (keyCache !== strategyText) {
    problems.push({
      path: 'KEY_CACHE',
      message: `must be one of naive, hardened (got ${JSON.stringify(strategyText)})`,
    });
  }

  const raw = (name: OptionName): string => {
    const value = env[name]?.trim();
    if (value !== undefined && value !== '') return value;
    const option = OPTIONS.find((o) => o.env === name);
    const fallback = option?.default ?? '';
    return typeof fallback === 'function' ? fallback(keyCache) : fallback;
  };
  const duration = (name: OptionName): number => {
    const ms = tryParseDuration(raw(name));
    if (ms === undefined)
      problems.push({
        path: name,
        message: `${JSON.stringify(raw(name))} is not a duration (e.g. 250ms, 5s)`,
      });
    return ms ?? 0;
  };
  const integer = (name: OptionName, min: number, max: number): number => {
    const text = raw(name);
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min || n > max) {
      problems.push({
        path: name,
        message: `must be an integer from ${min} to ${max} (got ${JSON.stringify(text)})`,
      });
      return min;
    }
    return n;
  };

  const providers = parseProviders(
    raw('GATEWAY_PROVIDERS'),
    raw('GATEWAY_ISSUERS'),
    raw('GATEWAY_JWKS_URLS'),
    problems,
  );

  const algorithms = raw('GATEWAY_ALGORITHMS')
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  for (const alg of algorithms) {
    if (!(SUPPORTED_ALGORITHMS as readonly string[]).includes(alg)) {
      problems.push({
        path: 'GATEWAY_ALGORITHMS',
        message: `${JSON.stringify(alg)} is not allowed (asymmetric algorithms only: ${SUPPORTED_ALGORITHMS.join(', ')})`,
      });
    }
  }
  if (algorithms.length === 0)
    problems.push({ path: 'GATEWAY_ALGORITHMS', message: 'must list at least one algorithm' });

  const headerClaimsText = raw('GATEWAY_HEADER_CLAIMS');
  const headerClaims: HeaderClaim[] = (
    headerClaimsText === '-' ? [] : parsePairs(headerClaimsText, 'GATEWAY_HEADER_CLAIMS', problems)
  ).map(([header, claim]) => ({ header, claim: claim.replace(/\?$/, ''), optional: claim.endsWith('?') }));
  for (const { header } of headerClaims) {
    if (!/^[A-Za-z0-9-]+$/.test(header)) {
      problems.push({
        path: 'GATEWAY_HEADER_CLAIMS',
        message: `${JSON.stringify(header)} is not a header name`,
      });
    }
  }

  const clientId = raw('GATEWAY_JWKS_CLIENT_ID');
  if (clientId !== '' && !/^[A-Za-z0-9._-]{1,64}$/.test(clientId)) {
    problems.push({
      path: 'GATEWAY_JWKS_CLIENT_ID',
      message: 'must be 1-64 characters of A-Z a-z 0-9 . _ -',
    });
  }
  const seedText = raw('GATEWAY_SEED');
  if (seedText !== '' && !/^\d+$/.test(seedText))
    problems.push({ path: 'GATEWAY_SEED', message: 'must be a non-negative integer' });
  const accessLog = raw('GATEWAY_ACCESS_LOG');
  if (!['true', 'false', '1', '0'].includes(accessLog)) {
    problems.push({ path: 'GATEWAY_ACCESS_LOG', message: 'must be true or false' });
  }

  const config: GatewayConfig = {
    host: raw('GATEWAY_HOST'),
    port: integer('GATEWAY_PORT', 0, 65535),
    providers,
    audience: (raw('GATEWAY_AUDIENCE') === '*' ? '' : raw('GATEWAY_AUDIENCE'))
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a !== ''),
    clockToleranceMs: duration('GATEWAY_CLOCK_TOLERANCE'),
    algorithms,
    headerClaims,
    keyCache,
    poolSize: integer('GATEWAY_POOL_SIZE', 1, 1024),
    clientId: clientId === '' ? undefined : clientId,
    verifyTimeoutMs: duration('GATEWAY_VERIFY_TIMEOUT'),
    fetchTimeoutMs: duration('JWKS_FETCH_TIMEOUT'),
    maxJwksBytes: integer('JWKS_MAX_BYTES', 256, 64 * 1024 * 1024),
    ttlMs: duration('JWKS_TTL'),
    minTtlMs: duration('JWKS_MIN_TTL'),
    refreshAheadMs: duration('JWKS_REFRESH_AHEAD'),
    staleGraceMs: duration('JWKS_STALE_GRACE'),
    unknownKidCooldownMs: duration('JWKS_UNKNOWN_KID_COOLDOWN'),
    backoffBaseMs: duration('JWKS_BACKOFF_BASE'),
    backoffMaxMs: duration('JWKS_BACKOFF_MAX'),
    discoveryTtlMs: duration('JWKS_DISCOVERY_TTL'),
    seed: seedText === '' || !/^\d+$/.test(seedText) ? undefined : Number(seedText) >>> 0,
    accessLog: accessLog === 'true' || accessLog === '1',
  };
  for (const [name, ms] of [
    ['GATEWAY_VERIFY_TIMEOUT', config.verifyTimeoutMs],
    ['JWKS_FETCH_TIMEOUT', config.fetchTimeoutMs],
    ['JWKS_TTL', config.ttlMs],
    ['JWKS_BACKOFF_BASE', config.backoffBaseMs],
  ] as const) {
    if (ms <= 0 && !problems.some((p) => p.path === name))
      problems.push({ path: name, message: 'must be greater than 0' });
  }
  if (config.backoffBaseMs > config.backoffMaxMs) {
    problems.push({ path: 'JWKS_BACKOFF_BASE', message: 'must not exceed JWKS_BACKOFF_MAX' });
  }
  if (problems.length > 0) throw new ValidationError('gateway configuration', problems);
  return config;
}

/** Parses `a=b,c=d`; each pair keeps the index of its item so problems can point at it. */
function parsePairs(text: string, path: string, problems: Problem[]): [string, string, number][] {
  if (text === '') return [];
  const pairs: [string, string, number][] = [];
  for (const [index, item] of text.split(',').entries()) {
    const at = item.indexOf('=');
    const key = item.slice(0, at).trim();
    const value = item.slice(at + 1).trim();
    if (at <= 0 || value === '') {
      problems.push({
        path: `${path}[${index}]`,
        message: `expected name=value, got ${JSON.stringify(item.trim())}`,
      });
    } else {
      pairs.push([key, value, index]);
    }
  }
  return pairs;
}

function parseUrl(text: string, path: string, problems: Problem[]): string | undefined {
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('not http(s)');
    return text.replace(/\/+$/, '');
  } catch {
    problems.push({ path, message: `${JSON.stringify(text)} is not an http(s) URL` });
    return undefined;
  }
}

function parseProviders(
  providersText: string,
  issuersText: string,
  jwksText: string,
  problems: Problem[],
): ProviderConfig[] {
  if (providersText === '') {
    problems.push({
      path: 'GATEWAY_PROVIDERS',
      message:
        'is required, e.g. gitlab=http://127.0.0.1:9400/gitlab,customersdot=http://127.0.0.1:9400/customersdot',
    });
    return [];
  }
  const issuers = new Map(parsePairs(issuersText, 'GATEWAY_ISSUERS', problems).map(([k, v]) => [k, v]));
  const jwksUrls = new Map(parsePairs(jwksText, 'GATEWAY_JWKS_URLS', problems).map(([k, v]) => [k, v]));
  const providers: ProviderConfig[] = [];
  for (const [name, url, index] of parsePairs(providersText, 'GATEWAY_PROVIDERS', problems)) {
    const path = `GATEWAY_PROVIDERS[${index}]`;
    if (!/^[A-Za-z0-9._-]+$/.test(name))
      problems.push({ path, message: `provider name ${JSON.stringify(name)} must be A-Z a-z 0-9 . _ -` });
    if (providers.some((p) => p.name === name))
      problems.push({ path, message: `provider ${JSON.stringify(name)} is listed twice` });
    const baseUrl = parseUrl(url, path, problems);
    const jwks = jwksUrls.get(name);
    const jwksUrl = jwks === undefined ? undefined : parseUrl(jwks, `GATEWAY_JWKS_URLS.${name}`, problems);
    if (baseUrl !== undefined)
      providers.push({ name, issuer: issuers.get(name) ?? baseUrl, baseUrl, jwksUrl });
  }
  for (const name of [...issuers.keys(), ...jwksUrls.keys()]) {
    if (
      !providers.some((p) => p.name === name) &&
      !problems.some((p) => p.path.startsWith('GATEWAY_PROVIDERS'))
    ) {
      problems.push({
        path: 'GATEWAY_ISSUERS/GATEWAY_JWKS_URLS',
        message: `${JSON.stringify(name)} is not in GATEWAY_PROVIDERS`,
      });
    }
  }
  const seen = new Set<string>();
  for (const p of providers) {
    if (seen.has(p.issuer))
      problems.push({ path: 'GATEWAY_ISSUERS', message: `issuer ${p.issuer} is used by two providers` });
    seen.add(p.issuer);
  }
  return providers;
}
