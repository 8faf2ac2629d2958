/**
 * Renders one k6 TypeScript script from an export model: a header saying what k6 judges and
 * what keystorm judges, the scenario's data as constants, `options` (executors, thresholds,
 * the `keystorm_scenario` tag), then the fixed token and request code.
 */
import { compactJson as json } from './compact-json.ts';
import { pooledIssuers } from './kinds.ts';
import type { ExportModel } from './model.ts';
import { REQUESTS_SOURCE } from './runtime-requests.ts';
import { TOKENS_SOURCE } from './runtime-tokens.ts';

/** The comment lines of the header (each without `//`). */
function headerLines(m: ExportModel): string[] {
  const lines = [
    `keystorm scenario '${m.scenario}', exported for k6 by \`keystorm k6 export\` — regenerate, do not edit.`,
    m.hypothesis,
    `Timings resolved from the config's SUT profile (keystorm's defaults without one), time scale ${m.timeScale}.`,
    '',
    'Environment: KEYSTORM_TARGET_URL (the SUT), KEYSTORM_PROVIDER_URL (mock-idp data plane),',
    'KEYSTORM_IDP_ADMIN_URL + KEYSTORM_IDP_ADMIN_TOKEN (minted tokens), KEYSTORM_GRANT',
    '(client_credentials or refresh_token). Every SUT request is tagged kind, token (its case in the',
    'table of expected answers) and phase.',
    '',
    'Judged by k6 (thresholds below; each k6-operator runner judges only its own share):',
    ...listOr(m.thresholds.judgedByK6.map((j) => `  - ${j.slo}`)),
    '',
    "Judged by keystorm from this run's output (`keystorm run --driver k6-output DIR`):",
    ...listOr(m.thresholds.judgedByKeystorm.map((j) => `  - ${j.slo}: ${j.reason}`)),
    '',
    'Played by keystorm on the same timeline (faults and actions; k6 only sends the load):',
    ...listOr(m.timeline.map((t) => `  - ${t}`)),
  ];
  if (m.omittedKinds.length > 0) {
    lines.push('', 'Request kinds not sent (the SUT profile lacks the policy they test):');
    lines.push(...m.omittedKinds.map((k) => `  - ${k.kind}: ${k.reason}`));
  }
  return lines;
}

function listOr(lines: string[]): string[] {
  return lines.length === 0 ? ['  (none)'] : lines;
}

function constants(m: ExportModel): string {
  const phaseOf = Object.fromEntries(m.scenarios.map((s) => [s.key, s.phase]));
  return [
    `const TARGET_URL = __ENV.KEYSTORM_TARGET_URL ?? ${JSON.stringify(m.targetUrl)};`,
    `const PROVIDER_URL = __ENV.KEYSTORM_PROVIDER_URL ?? ${JSON.stringify(m.providerUrl)};`,
    `const IDP_ADMIN_URL = __ENV.KEYSTORM_IDP_ADMIN_URL ?? ${JSON.stringify(m.adminUrl)};`,
    `const IDP_ADMIN_TOKEN = __ENV.KEYSTORM_IDP_ADMIN_TOKEN ?? '';`,
    `const GRANT = __ENV.KEYSTORM_GRANT ?? 'client_credentials';`,
    `const CLIENTS_PER_ISSUER = ${m.clientsPerIssuer};`,
    `const TOKEN_LIFETIME_S = ${m.tokenLifetimeS};`,
    `const REQUEST_TIMEOUT = ${JSON.stringify(m.requestTimeout)};`,
    '',
    'interface Kind {',
    '  kind: string;',
    '  share: number;',
    '  issuer: string;',
    '  token: string;',
    "  headers: 'ok' | 'omit' | 'mismatch';",
    '  case: string;',
    '  expect: number[];',
    '}',
    '',
    '/** The SUT route (config sut.request); placeholders are filled per request. */',
    `const ROUTE: { method: string; path: string; headers: Record<string, string>; body?: string } = ${json(m.route)};`,
    '/** Route headers filled from claims: the ones a mismatch/omit kind sends wrong. */',
    `const CLAIM_HEADERS: string[] = ${JSON.stringify(m.claimHeaders)};`,
    '/** Request mix per keystorm phase. */',
    `const MIXES: Record<string, Kind[] | undefined> = ${json(m.mixes)};`,
    '/** Scopes a login (KEYSTORM_GRANT=refresh_token) asks for, besides offline_access. */',
    `const LOGIN_SCOPES: Record<string, string[] | undefined> = ${JSON.stringify(m.loginScopes)};`,
    '/** Issuers whose token endpoint the simulated clients use. */',
    `const POOLED_ISSUERS: string[] = ${JSON.stringify(pooledIssuers(m.mixes))};`,
    '/** k6 scenario → keystorm phase. */',
    `const PHASE_OF: Record<string, string> = ${json(phaseOf)};`,
    '/** Forced refreshes and token expiries of the timeline (ms since the start). */',
    `const RENEWALS: { atMs: number; spreadMs: number }[] = ${JSON.stringify(m.renewals)};`,
    '/** Timeline changes after which minted tokens are minted again (ms). */',
    `const REMINT_AT_MS: number[] = ${JSON.stringify(m.remintAtMs)};`,
  ].join('\n');
}

function optionsOf(m: ExportModel): string {
  const scenarios = Object.fromEntries(m.scenarios.map((s) => [s.key, s.config]));
  const options = {
    scenarios,
    thresholds: m.thresholds.thresholds,
    tags: { keystorm_scenario: m.scenario },
  };
  return `export const options: Options = ${json(options)};`;
}

/** The whole script. */
export function renderScript(m: ExportModel): string {
  const header = headerLines(m)
    .map((l) => (l === '' ? '//' : `// ${l}`))
    .join('\n');
  return [
    header,
    '',
    "import { Counter, Rate, Trend } from 'k6/metrics';",
    "import encoding from 'k6/encoding';",
    "import exec from 'k6/execution';",
    "import http from 'k6/http';",
    "import type { Options } from 'k6/options';",
    '',
    constants(m),
    '',
    optionsOf(m),
    TOKENS_SOURCE,
    REQUESTS_SOURCE,
  ].join('\n');
}
