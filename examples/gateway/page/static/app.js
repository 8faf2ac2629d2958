// The demo page's script: a public OAuth client in the browser. Sign-in is a real redirect to
// the provider's authorize page (authorization code + PKCE S256); tokens stay in memory; an
// expired access token is refreshed (the provider rotates the refresh token) before the next
// call. After an answer, a follow-up call runs; with the seed's bug its failure replaces the
// answer (the 2024-06-25 incident), with the fix it is shown as a separate item.

const $ = (id) => document.getElementById(id);
const CALLBACK = '/app/callback';
let config;
let tokens; // { access, refresh, expiresAt }
let refreshes = 0;
let expiryTimer;

function base64url(bytes) {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(bytes) {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

async function challengeFor(verifier) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

function show(id, text, kind) {
  const el = $(id);
  el.textContent = text;
  el.dataset.kind = kind;
}

async function describeFailure(response) {
  const text = await response.text();
  try {
    const body = JSON.parse(text);
    return `${body.error_description ?? body.detail ?? body.error ?? text} (HTTP ${response.status})`;
  } catch {
    return `HTTP ${response.status} ${text.slice(0, 200)}`;
  }
}

async function signIn() {
  const verifier = randomString(32);
  const state = randomString(16);
  sessionStorage.setItem('keystorm-pkce', JSON.stringify({ verifier, state }));
  const url = new URL(config.authorizeUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: location.origin + CALLBACK,
    scope: config.scope,
    state,
    code_challenge: await challengeFor(verifier),
    code_challenge_method: 'S256',
    prompt: 'login',
  }).toString();
  await providerReachable();
  location.assign(url.href);
}

/**
 * A redirect to a provider that is down leaves the user on the browser's own error page (or a
 * blank one). Ask first: an opaque answer of any status means the provider is up; a network
 * failure becomes a readable "Sign-in failed" on this page.
 */
async function providerReachable() {
  try {
    await fetch(config.authorizeUrl, { mode: 'no-cors', cache: 'no-store' });
  } catch {
    throw new Error(
      `the sign-in provider (${new URL(config.authorizeUrl).host}) cannot be reached; try again in a minute`,
    );
  }
}

async function tokenRequest(params) {
  const response = await fetch(config.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: config.clientId,
      expires_in: String(config.tokenTtlS),
      ...params,
    }),
  });
  if (!response.ok) throw new Error(await describeFailure(response));
  const body = await response.json();
  tokens = {
    access: body.access_token,
    refresh: body.refresh_token ?? tokens?.refresh,
    expiresAt: Date.now() + body.expires_in * 1000,
  };
  $('token-state').textContent = 'fresh';
  clearTimeout(expiryTimer);
  expiryTimer = setTimeout(() => ($('token-state').textContent = 'expired'), body.expires_in * 1000);
}

async function completeSignIn(params) {
  history.replaceState(null, '', '/app/');
  const saved = JSON.parse(sessionStorage.getItem('keystorm-pkce') ?? 'null');
  sessionStorage.removeItem('keystorm-pkce');
  if (params.has('error')) throw new Error(params.get('error_description') ?? params.get('error'));
  if (saved === null || params.get('state') !== saved.state) throw new Error('state does not match');
  await tokenRequest({
    grant_type: 'authorization_code',
    code: params.get('code') ?? '',
    redirect_uri: location.origin + CALLBACK,
    code_verifier: saved.verifier,
  });
  const payload = JSON.parse(atob(tokens.access.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  show('session', `Signed in as ${payload.sub}`, 'ok');
  $('ask').disabled = false;
}

async function refresh() {
  await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh });
  refreshes += 1;
  $('refreshes').textContent = String(refreshes);
}

/** Calls a protected API; refreshes first when the token ran out, and once more on a 401. */
async function callApi(path) {
  if (Date.now() >= tokens.expiresAt) await refresh();
  const call = () => fetch(path, { method: 'POST', headers: { authorization: `Bearer ${tokens.access}` } });
  let response = await call();
  if (response.status === 401) {
    await response.body?.cancel();
    await refresh();
    response = await call();
  }
  if (!response.ok) throw new Error(await describeFailure(response));
  return response.json();
}

async function ask() {
  $('ask').disabled = true;
  show('answer', 'Thinking…', 'pending');
  $('follow-up').textContent = '';
  $('follow-up-error').hidden = true;
  try {
    const body = await callApi('/app/api/ask');
    show('answer', body.answer, 'answer');
    setTimeout(() => void followUp(body.job), config.followUpDelayMs);
  } catch (error) {
    show('answer', `Error: ${error.message}`, 'error');
  } finally {
    $('ask').disabled = false;
  }
}

async function followUp(job) {
  try {
    const body = await callApi(`/app/api/follow-up?job=${encodeURIComponent(job)}`);
    $('follow-up').textContent = body.analysis;
  } catch (error) {
    if (config.seedBug) {
      show('answer', `Error: ${error.message}`, 'error'); // the incident: the answer is gone
    } else {
      $('follow-up-error').textContent = `Follow-up failed: ${error.message}`;
      $('follow-up-error').hidden = false;
    }
  }
}

async function start() {
  const response = await fetch('/app/config.json');
  config = await response.json();
  $('sign-in').addEventListener('click', () => void signIn().catch(fail));
  $('ask').addEventListener('click', () => void ask());
  $('sign-in').disabled = false;
  if (location.pathname === CALLBACK) await completeSignIn(new URLSearchParams(location.search));
}

function fail(error) {
  show('session', `Sign-in failed: ${error.message}`, 'error');
}

start().catch(fail);
