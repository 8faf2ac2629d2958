/**
 * The token half of every generated script, as k6 TypeScript source: each VU is a simulated
 * client of each issuer, as in keystorm's token pool — it obtains a real token from the
 * provider's token endpoint (client_credentials, or a headless authorization_code login and then
 * refresh_token), renews it before expiry and at the timeline's forced refreshes, keeps one token
 * for `pool-reused` kinds, and takes tokens in bad shapes from mock-idp's minting API, minted
 * again whenever the timeline changes keys, clock or claims. Written without template literals so
 * it can live in this string.
 */
export const TOKENS_SOURCE = String.raw`
// ---- tokens: the way keystorm's token pool obtains them ----------------------------------------

interface HeldToken {
  token: string;
  refreshToken: string | undefined;
  obtainedAtMs: number;
  renewAtMs: number;
}

const REDIRECT_URI = 'http://127.0.0.1/keystorm/callback';
const MINT_BATCH = 8;
const held: Record<string, HeldToken> = {};
const reused: Record<string, string> = {};
const minted: Record<string, { epoch: number; tokens: string[]; next: number }> = {};

/** Milliseconds since the test started: the scenario's timeline. */
function nowMs(): number {
  return exec.instance.currentTestRunDuration;
}

/** This VU's client number: VUs share keystorm's clients per issuer in turn. */
function clientNumber(): number {
  return Math.max(0, exec.vu.idInTest - 1) % CLIENTS_PER_ISSUER;
}

function clientId(issuer: string, n: number): string {
  return 'keystorm-' + issuer + '-' + String(n);
}

function jsonObject(body: unknown): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(typeof body === 'string' ? body : '');
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The headless login mock-idp offers clients without a browser: a 302 carrying the code. */
function login(issuer: string, n: number): string {
  const query = [
    'response_type=code',
    'client_id=' + encodeURIComponent(clientId(issuer, n)),
    'redirect_uri=' + encodeURIComponent(REDIRECT_URI),
    'scope=' + encodeURIComponent(['offline_access', ...(LOGIN_SCOPES[issuer] ?? [])].join(' ')),
    'login_hint=' + encodeURIComponent(clientId(issuer, n)),
  ].join('&');
  const res = http.get(PROVIDER_URL + '/' + issuer + '/authorize?' + query, {
    redirects: 0,
    tags: { keystorm_aux: 'authorize' },
    responseCallback: http.expectedStatuses(302),
  });
  const match = /[?&]code=([^&]+)/.exec(res.headers['Location'] ?? '');
  return match?.[1] === undefined ? '' : decodeURIComponent(match[1]);
}

/**
 * One grant at the token endpoint as client n, at time t. A failure keeps the previous token,
 * forgets its refresh token (a rotated one is spent: log in again) and retries in a second.
 */
function obtain(issuer: string, n: number, previous: HeldToken | undefined, t: number): HeldToken {
  const form: Record<string, string> = { client_id: clientId(issuer, n), expires_in: String(TOKEN_LIFETIME_S) };
  if (GRANT === 'refresh_token' && previous?.refreshToken !== undefined) {
    form.grant_type = 'refresh_token';
    form.refresh_token = previous.refreshToken;
  } else if (GRANT === 'refresh_token') {
    form.grant_type = 'authorization_code';
    form.code = login(issuer, n);
    form.redirect_uri = REDIRECT_URI;
  } else {
    form.grant_type = 'client_credentials';
  }
  const res = http.post(PROVIDER_URL + '/' + issuer + '/token', form, {
    tags: { keystorm_aux: 'token' },
    responseCallback: http.expectedStatuses(200),
  });
  const body = jsonObject(res.body);
  if (res.status !== 200 || typeof body.access_token !== 'string') {
    return {
      token: previous?.token ?? '',
      refreshToken: undefined,
      obtainedAtMs: previous?.obtainedAtMs ?? t,
      renewAtMs: t + 1000,
    };
  }
  const lifetimeMs = (typeof body.expires_in === 'number' ? body.expires_in : TOKEN_LIFETIME_S) * 1000;
  return {
    token: body.access_token,
    refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : undefined,
    obtainedAtMs: t,
    renewAtMs: t + lifetimeMs - Math.min(2000, lifetimeMs / 4),
  };
}

/** True when a forced refresh or expiry of the timeline fell after this token was obtained. */
function renewalDue(obtainedAtMs: number, t: number): boolean {
  return RENEWALS.some((r) => {
    const at = r.atMs + (r.spreadMs > 0 ? (exec.vu.idInTest * 7919) % (r.spreadMs + 1) : 0);
    return obtainedAtMs < at && at <= t;
  });
}

/** The first token of every client of every pooled issuer, obtained in setup() before the load starts. */
function firstTokens(): Record<string, HeldToken[]> {
  const out: Record<string, HeldToken[]> = {};
  for (const issuer of POOLED_ISSUERS) {
    const tokens: HeldToken[] = [];
    for (let n = 0; n < CLIENTS_PER_ISSUER; n++) tokens.push(obtain(issuer, n, undefined, -1));
    out[issuer] = tokens;
  }
  return out;
}

/** A valid token of this VU's client (first the one setup() obtained), renewed when due. */
function pooledToken(issuer: string, first: Record<string, HeldToken[]>): string {
  const t = nowMs();
  const n = clientNumber();
  let h = held[issuer] ?? first[issuer]?.[n];
  if (h === undefined || t >= h.renewAtMs || renewalDue(h.obtainedAtMs, t)) h = obtain(issuer, n, h, t);
  held[issuer] = h;
  return h.token;
}

/** The one token a careless client took first and never renews. */
function reusedToken(issuer: string, first: Record<string, HeldToken[]>): string {
  reused[issuer] ??= pooledToken(issuer, first);
  return reused[issuer];
}

/** A token in a bad shape, minted by mock-idp (it holds the keys); minted again after key, clock or claim changes. */
function mintedToken(issuer: string, shape: string): string {
  const t = nowMs();
  const epoch = REMINT_AT_MS.filter((at) => at <= t).length;
  const key = issuer + ' ' + shape;
  let batch = minted[key];
  if (batch === undefined || batch.epoch !== epoch) {
    const res = http.post(
      IDP_ADMIN_URL + '/issuers/' + issuer + '/tokens',
      JSON.stringify({ count: MINT_BATCH, shape, expiresIn: TOKEN_LIFETIME_S }),
      {
        headers: { authorization: 'Bearer ' + IDP_ADMIN_TOKEN, 'content-type': 'application/json' },
        tags: { keystorm_aux: 'mint' },
        responseCallback: http.expectedStatuses(200),
      },
    );
    const tokens = jsonObject(res.body).tokens;
    if (res.status !== 200 || !Array.isArray(tokens) || tokens.length === 0)
      throw new Error('mock-idp did not mint ' + shape + ' tokens at ' + issuer + ' (status ' + String(res.status) + ')');
    batch = { epoch, tokens: tokens.map(String), next: 0 };
    minted[key] = batch;
  }
  const token = batch.tokens[batch.next % batch.tokens.length] ?? '';
  batch.next++;
  return token;
}

/** The token a request of this kind carries ('' for none). */
function tokenFor(kind: Kind, first: Record<string, HeldToken[]>): string {
  if (kind.token === 'pool') return pooledToken(kind.issuer, first);
  if (kind.token === 'pool-reused') return reusedToken(kind.issuer, first);
  if (kind.token === 'none') return '';
  return mintedToken(kind.issuer, kind.token);
}
`;
