/**
 * The request half of every generated script, as k6 TypeScript source: draws a kind of the
 * phase's mix by weight, renders the SUT route as keystorm's request templates do (claim headers
 * sent right, omitted or mismatched), sends it tagged `kind` and `phase` with the kind's expected
 * statuses as its response callback, and records keystorm's request metrics for SUT requests only.
 */
export const REQUESTS_SOURCE = String.raw`
// ---- requests: the way keystorm's request mix sends them ----------------------------------------

const requestDuration = new Trend('keystorm_request_duration', true);
const requests = new Counter('keystorm_requests');
const unexpected = new Rate('keystorm_unexpected');
const status401 = new Rate('keystorm_status_401');
const status403 = new Rate('keystorm_status_403');
const status5xx = new Rate('keystorm_status_5xx');
const transportErrors = new Rate('keystorm_transport_errors');
const securityFailures = new Counter('keystorm_security_failures');

/** Response callbacks made once (k6 advises against making them per request). */
const EXPECTED: Record<string, ReturnType<typeof http.expectedStatuses>> = {};
for (const kinds of Object.values(MIXES))
  for (const kind of kinds ?? []) EXPECTED[kind.kind] ??= http.expectedStatuses(...kind.expect);

interface Values {
  token: string;
  claims: Record<string, unknown>;
  client: string;
  seq: number;
  phase: string;
}

function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (payload === undefined || payload === '') return {};
  try {
    const parsed: unknown = JSON.parse(encoding.b64decode(payload, 'rawurl', 's'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function lookup(ref: string, values: Values): string | undefined {
  if (ref === 'token') return values.token;
  if (ref === 'client') return values.client;
  if (ref === 'seq') return String(values.seq);
  if (ref === 'phase') return values.phase;
  let node: unknown = values.claims;
  for (const key of ref.split('.').slice(1)) {
    if (typeof node !== 'object' || node === null || !Object.prototype.hasOwnProperty.call(node, key))
      return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  if (node === undefined || node === null) return undefined;
  return typeof node === 'object' ? JSON.stringify(node) : String(node as string | number | boolean);
}

/** Fills placeholders; undefined when a claim is absent (unless lenient, where it renders empty). */
function fill(text: string, values: Values, lenient: boolean): string | undefined {
  let missing = false;
  const out = text.replace(/\{\{\s*([^{}]*?)\s*\}\}/g, (_match: string, ref: string) => {
    const value = lookup(ref, values);
    if (value === undefined) missing = true;
    return value ?? '';
  });
  return missing && !lenient ? undefined : out;
}

function headersFor(kind: Kind, values: Values): Record<string, string> {
  const out: Record<string, string> = {};
  const templates: Record<string, string> = { authorization: 'Bearer {{token}}' };
  for (const [name, text] of Object.entries(ROUTE.headers)) templates[name.toLowerCase()] = text;
  for (const [name, text] of Object.entries(templates)) {
    const claimHeader = CLAIM_HEADERS.includes(name);
    if (claimHeader && kind.headers === 'omit') continue;
    if (name === 'authorization' && values.token === '') continue;
    const value = fill(text, values, false);
    if (value === undefined) continue;
    out[name] = claimHeader && kind.headers === 'mismatch' ? (value === '' ? 'keystorm-mismatch' : value + '-mismatch') : value;
  }
  return out;
}

function pick(kinds: readonly Kind[]): Kind | undefined {
  const total = kinds.reduce((sum, k) => sum + k.share, 0);
  let draw = Math.random() * total;
  for (const kind of kinds) {
    draw -= kind.share;
    if (draw < 0) return kind;
  }
  return kinds[kinds.length - 1];
}

function record(kind: Kind, phase: string, status: number, durationMs: number): void {
  const tags = { kind: kind.kind, token: kind.case, phase };
  const transport = status === 0;
  requests.add(1, tags);
  if (!transport) requestDuration.add(durationMs, tags);
  unexpected.add(!kind.expect.includes(status), tags);
  status401.add(status === 401, tags);
  status403.add(status === 403, tags);
  status5xx.add(status >= 500, tags);
  transportErrors.add(transport, tags);
  const negative = kind.expect.every((s) => s >= 400);
  securityFailures.add(negative && status >= 200 && status < 300 ? 1 : 0, tags);
}

interface SetupData {
  tokens: Record<string, HeldToken[]>;
}

/** Refuses to start without what the mix needs; obtains the clients' first tokens. */
export function setup(): SetupData {
  const minting = Object.values(MIXES).some((kinds) =>
    (kinds ?? []).some((k) => !['pool', 'pool-reused', 'none'].includes(k.token)),
  );
  if (minting && IDP_ADMIN_TOKEN === '')
    exec.test.abort(
      'this scenario sends tokens minted by mock-idp: set KEYSTORM_IDP_ADMIN_URL and KEYSTORM_IDP_ADMIN_TOKEN',
    );
  return { tokens: firstTokens() };
}

/** One request of the phase this k6 scenario plays. */
export default function (data: SetupData): void {
  const phase = PHASE_OF[exec.scenario.name] ?? exec.scenario.name;
  const kind = pick(MIXES[phase] ?? []);
  if (kind === undefined) return;
  const token = tokenFor(kind, data.tokens);
  const values: Values = {
    token,
    claims: claimsOf(token),
    client: kind.token === 'none' ? 'anonymous' : clientId(kind.issuer, clientNumber()),
    seq: exec.scenario.iterationInTest,
    phase,
  };
  const path = fill(ROUTE.path, values, true) ?? ROUTE.path;
  const body = ROUTE.body === undefined ? null : (fill(ROUTE.body, values, true) ?? null);
  const res = http.request(ROUTE.method, TARGET_URL + path, body, {
    headers: headersFor(kind, values),
    tags: { kind: kind.kind, token: kind.case, phase },
    timeout: REQUEST_TIMEOUT,
    responseCallback: EXPECTED[kind.kind] ?? http.expectedStatuses(...kind.expect),
  });
  record(kind, phase, res.status, res.timings.duration);
}
`;
