/**
 * Options of the gateway's demo page (`/app/`), read from the environment like the rest of the
 * gateway (docs/journeys.md lists them). The page is a public OAuth client in the browser: it
 * signs in at the provider's authorize page (code + PKCE), calls the gateway with the access
 * token and refreshes it when it expires. `GATEWAY_PAGE_SEED_BUG` switches on the 2024-06-25
 * Duo Chat incident: the follow-up job fails and its error replaces the answer already shown.
 */
import { ValidationError, type Problem } from '../../../src/errors.ts';
import { tryParseDuration } from '../../../src/util/duration.ts';
import type { ProviderConfig } from '../config.ts';

export interface PageConfig {
  /** Base URL of the issuer the browser signs in at (its `/authorize` and `/token`). */
  readonly idpBaseUrl: string;
  readonly clientId: string;
  readonly scope: string;
  /** Access-token lifetime the page asks for, in seconds (short, so journeys see a refresh). */
  readonly tokenTtlS: number;
  /** Delay between showing the answer and starting the follow-up call (the seed's nested job). */
  readonly followUpDelayMs: number;
  /** The seed's bug: the follow-up fails and the page replaces the answer with its error. */
  readonly seedBug: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Every variable the page reads, with its default ('' = derived, see the doc). */
export const PAGE_OPTIONS = [
  {
    env: 'GATEWAY_PAGE_IDP',
    default: '',
    doc: 'Issuer base URL the browser signs in at (`<url>/authorize`, `<url>/token`). Default: the first of GATEWAY_PROVIDERS.',
  },
  { env: 'GATEWAY_PAGE_CLIENT_ID', default: 'keystorm-page', doc: 'OAuth client id of the page.' },
  {
    env: 'GATEWAY_PAGE_SCOPE',
    default: 'openid offline_access duo_chat',
    doc: 'Scopes the page asks for (offline_access: a refresh token).',
  },
  {
    env: 'GATEWAY_PAGE_TOKEN_TTL',
    default: '5s',
    doc: 'Access-token lifetime the page asks the provider for; the page refreshes when it runs out. Short, so a journey sees a refresh.',
  },
  {
    env: 'GATEWAY_PAGE_FOLLOW_UP_DELAY',
    default: '500ms',
    doc: 'Wait between showing an answer and its follow-up call.',
  },
  {
    env: 'GATEWAY_PAGE_SEED_BUG',
    default: 'false',
    doc: 'true: the follow-up job fails (session handed over as a plain object) and the page replaces the shown answer with the error, as in the 2024-06-25 incident. false: the fix.',
  },
] as const;

type PageOption = (typeof PAGE_OPTIONS)[number]['env'];

/** Reads and validates the page options; throws a ValidationError listing every bad one. */
export function loadPageConfig(providers: readonly ProviderConfig[], env: Env = process.env): PageConfig {
  const problems: Problem[] = [];
  const raw = (name: PageOption): string => {
    const value = env[name]?.trim();
    if (value !== undefined && value !== '') return value;
    return PAGE_OPTIONS.find((o) => o.env === name)?.default ?? '';
  };
  const duration = (name: PageOption, min: number, max: number): number => {
    const ms = tryParseDuration(raw(name));
    if (ms === undefined || ms < min || ms > max) {
      problems.push({ path: name, message: `must be a duration from ${min}ms to ${max}ms` });
      return min;
    }
    return ms;
  };
  const idp = raw('GATEWAY_PAGE_IDP') || (providers[0]?.baseUrl ?? '');
  if (!URL.canParse(idp) || !/^https?:$/.test(new URL(idp).protocol))
    problems.push({ path: 'GATEWAY_PAGE_IDP', message: `${JSON.stringify(idp)} is not an http(s) URL` });
  const clientId = raw('GATEWAY_PAGE_CLIENT_ID');
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(clientId))
    problems.push({
      path: 'GATEWAY_PAGE_CLIENT_ID',
      message: 'must be 1-64 characters of A-Z a-z 0-9 . _ -',
    });
  const bug = raw('GATEWAY_PAGE_SEED_BUG');
  if (!['true', 'false', '1', '0'].includes(bug))
    problems.push({ path: 'GATEWAY_PAGE_SEED_BUG', message: 'must be true or false' });
  const config: PageConfig = {
    idpBaseUrl: idp.replace(/\/+$/, ''),
    clientId,
    scope: raw('GATEWAY_PAGE_SCOPE'),
    // mock-idp accepts lifetimes of whole seconds from 1 s.
    tokenTtlS: Math.ceil(duration('GATEWAY_PAGE_TOKEN_TTL', 1000, 86_400_000) / 1000),
    followUpDelayMs: duration('GATEWAY_PAGE_FOLLOW_UP_DELAY', 0, 60_000),
    seedBug: bug === 'true' || bug === '1',
  };
  if (problems.length > 0) throw new ValidationError('gateway page configuration', problems);
  return config;
}
