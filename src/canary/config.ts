/**
 * Loads the config file for `keystorm canary`: the whole file is validated as for `run` (its
 * `canary` section is part of the config schema), then the canary's cross-field checks run —
 * allow-listed hosts, the rate cap, secrets present in the environment, templates — and every
 * problem of both is reported together in one ValidationError (exit 2).
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve as resolvePath } from 'node:path';
import { findConfigFile, readConfigFile, resolveConfig } from '../config/index.ts';
import { HarnessError, ValidationError, type Problem } from '../errors.ts';
import { compileTemplate } from '../load/request-template.ts';
import { isLoopbackHost } from '../util/loopback.ts';
import { plannedRate } from './plan.ts';
import type { CanaryRequestTemplate } from './probe.ts';
import type { PushTarget } from './pushgateway.ts';
import { z } from 'zod';
import {
  canaryPushGatewaySchema,
  canarySchema,
  tokenSourceSchema,
  type CanaryConfig,
  type CanaryPushGatewayConfig,
  type TokenSourceConfig,
} from './schema.ts';

/** The reporters the canary writes (html and prometheus belong to `run`; the canary pushes instead). */
export const CANARY_REPORTERS = ['console', 'json', 'markdown', 'junit'] as const;
export type CanaryReporterName = (typeof CANARY_REPORTERS)[number];

export interface CanarySecrets {
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
}

export interface ResolvedCanary {
  configFile: string;
  canary: CanaryConfig;
  requests: CanaryRequestTemplate[];
  allowHosts: string[];
  outDir: string;
  reporters: CanaryReporterName[];
  secrets: CanarySecrets;
  pushGateway: PushTarget | undefined;
}

export interface CanaryLoadOptions {
  /** `--config`, relative to cwd; else keystorm.config.* in cwd. */
  file?: string;
  cwd?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** `--out`, relative to cwd. */
  out?: string;
  /** `--duration`, replacing `canary.duration` (validated like it). */
  duration?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

export async function loadCanaryConfig(options: CanaryLoadOptions = {}): Promise<ResolvedCanary> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const file = options.file === undefined ? findConfigFile(cwd) : resolvePath(cwd, options.file);
  if (file === undefined) {
    throw new HarnessError(
      'ERR_USAGE',
      'keystorm canary needs a config file with a canary section (--config FILE)',
    );
  }
  if (!existsSync(file)) throw new HarnessError('ERR_USAGE', `--config: no such file: ${file}`);
  let raw = asRecord(await readConfigFile(file));
  if (options.duration !== undefined && isRecord(raw.canary)) {
    raw = { ...raw, canary: { ...raw.canary, duration: options.duration } };
  }

  const problems: Problem[] = [];
  let full: ReturnType<typeof resolveConfig> | undefined;
  try {
    full = resolveConfig(raw, { configFile: file, rootDir: dirname(file), drawSeed: () => 0 });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problems.push(...error.problems);
  }
  const allowHosts =
    full?.allowHosts ?? (Array.isArray(raw.allowHosts) ? raw.allowHosts.filter(isString) : []);

  let resolved: Omit<ResolvedCanary, 'outDir' | 'reporters'> | undefined;
  if (raw.canary === undefined) {
    problems.push({
      path: 'canary',
      message: 'is missing: keystorm canary needs a canary section (docs/canary.md)',
    });
  } else {
    // Shape problems were reported by the whole-file validation above (under `canary.`).
    const parsed = canarySchema.safeParse(raw.canary);
    if (parsed.success) {
      const check = checkCanary(parsed.data, asRecord(raw.canary), allowHosts, env);
      problems.push(...check.problems);
      resolved = { configFile: file, canary: parsed.data, allowHosts, ...check.parts };
    } else {
      problems.push(...checkCanaryLeniently(asRecord(raw.canary), allowHosts, env));
    }
  }
  if (problems.length > 0 || resolved === undefined || full === undefined) {
    throw new ValidationError(file, dedupe(problems));
  }
  return {
    ...resolved,
    outDir: options.out === undefined ? full.output.dir : resolvePath(cwd, options.out),
    reporters: full.output.reporters.filter((r): r is CanaryReporterName =>
      (CANARY_REPORTERS as readonly string[]).includes(r),
    ),
  };
}

interface CheckedParts {
  requests: CanaryRequestTemplate[];
  secrets: CanarySecrets;
  pushGateway: PushTarget | undefined;
}

/** The canary's cross-field checks; returns every problem and the parts built on the way. */
export function checkCanary(
  canary: CanaryConfig,
  raw: Record<string, unknown>,
  allowHosts: readonly string[],
  env: Env,
): { problems: Problem[]; parts: CheckedParts } {
  const problems: Problem[] = [];
  const secrets = checkReach(
    { target: canary.target, token: canary.token, pushGateway: canary.pushGateway },
    allowHosts,
    env,
    problems,
  );
  const requests = compileRequests(canary, problems);
  checkCadence(canary, requests, problems);
  checkNegatives(canary, raw, requests, problems);
  const push = canary.pushGateway;
  const pushGateway =
    push === undefined
      ? undefined
      : {
          url: push.url,
          job: push.job,
          instance: push.instance ?? defaultInstance(),
          timeoutMs: canary.requestTimeout,
        };
  return { problems, parts: { requests, secrets, pushGateway } };
}

/**
 * The checks that still make sense when the section's shape is wrong elsewhere (a bad
 * duration must not hide a host missing from allowHosts or an unset secret): each part that
 * parses on its own is checked.
 */
export function checkCanaryLeniently(
  raw: Record<string, unknown>,
  allowHosts: readonly string[],
  env: Env,
): Problem[] {
  const problems: Problem[] = [];
  const target = httpUrlSchema.safeParse(raw.target);
  const token = tokenSourceSchema.safeParse(raw.token);
  const push = canaryPushGatewaySchema.safeParse(raw.pushGateway);
  checkReach(
    {
      ...(target.success ? { target: target.data } : {}),
      ...(token.success ? { token: token.data } : {}),
      ...(push.success ? { pushGateway: push.data } : {}),
    },
    allowHosts,
    env,
    problems,
  );
  return problems;
}

const httpUrlSchema = z.url({ protocol: /^https?$/ });

/** Hosts the canary would reach must be loopback or allow-listed; secrets must be in the environment. */
function checkReach(
  parts: { target?: string; token?: TokenSourceConfig; pushGateway?: CanaryPushGatewayConfig | undefined },
  allowHosts: readonly string[],
  env: Env,
  problems: Problem[],
): CanarySecrets {
  const allowed = (url: string, path: string): void => {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (!isLoopbackHost(host) && !allowHosts.some((h) => h.toLowerCase() === host)) {
      problems.push({ path, message: `${host} is not loopback: add it to allowHosts to send traffic there` });
    }
  };
  if (parts.target !== undefined) allowed(parts.target, 'canary.target');
  if (parts.token !== undefined && parts.token.grant !== 'command')
    allowed(parts.token.issuer, 'canary.token.issuer');
  if (parts.pushGateway !== undefined) allowed(parts.pushGateway.url, 'canary.pushGateway.url');
  return parts.token === undefined ? {} : readSecrets(parts.token, env, problems);
}

function compileRequests(canary: CanaryConfig, problems: Problem[]): CanaryRequestTemplate[] {
  const out: CanaryRequestTemplate[] = [];
  const seen = new Map<string, number>();
  canary.requests.forEach((request, i) => {
    const path = `canary.requests[${i}]`;
    const name = request.name ?? `${request.method} ${request.path}`;
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      problems.push({
        path: `${path}.name`,
        message: `'${name}' is already canary.requests[${earlier}]: give each a name`,
      });
    }
    seen.set(name, i);
    try {
      const template = compileTemplate(
        {
          method: request.method,
          path: request.path,
          headers: request.headers,
          ...(request.body === undefined ? {} : { body: request.body }),
          ...(request.expect === undefined ? {} : { expect: request.expect }),
        },
        path,
      );
      out.push({ name, template });
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      const colon = error.message.indexOf(': ');
      problems.push(
        colon > 0
          ? { path: error.message.slice(0, colon), message: error.message.slice(colon + 2) }
          : { path, message: error.message },
      );
    }
  });
  return out;
}

function checkCadence(
  canary: CanaryConfig,
  requests: readonly CanaryRequestTemplate[],
  problems: Problem[],
): void {
  if (canary.refreshEvery < canary.interval) {
    problems.push({
      path: 'canary.refreshEvery',
      message: `must be at least canary.interval (${canary.interval}ms)`,
    });
  }
  if (canary.nearExpiry !== false && canary.nearExpiry <= canary.interval) {
    problems.push({
      path: 'canary.nearExpiry',
      message: `must be longer than canary.interval (${canary.interval}ms), or no tick falls in the window`,
    });
  }
  const claimHeaders = requests[0]?.template.claimHeaders.length ?? 0;
  const plan = plannedRate(canary, claimHeaders);
  if (plan.perSecond > canary.maxRate) {
    problems.push({
      path: 'canary.maxRate',
      message: `the cadence needs up to ${plan.perSecond.toFixed(2)} requests/s (${plan.breakdown}), more than ${canary.maxRate}: raise maxRate or lengthen interval/refreshEvery`,
    });
  }
}

function checkNegatives(
  canary: CanaryConfig,
  raw: Record<string, unknown>,
  requests: readonly CanaryRequestTemplate[],
  problems: Problem[],
): void {
  const n = canary.negatives;
  if (n === false) return;
  if (n.missingScope !== undefined && canary.token.grant === 'command') {
    problems.push({
      path: 'canary.negatives.missingScope',
      message:
        'needs an IdP grant (client_credentials or refresh_token): a token command cannot narrow the scope',
    });
  }
  // Defaults are skipped quietly when the request has no claim header; asked-for cases are not.
  const written = asRecord(raw.negatives);
  const first = requests[0];
  if (first === undefined || first.template.claimHeaders.length > 0) return;
  for (const key of ['headerMissing', 'headerMismatch'] as const) {
    if (typeof written[key] === 'number') {
      problems.push({
        path: `canary.negatives.${key}`,
        message: `canary.requests[0] fills no header from a claim ({{claims.…}}), so there is nothing to ${key === 'headerMissing' ? 'leave out' : 'alter'}`,
      });
    }
  }
}

function readSecrets(token: TokenSourceConfig, env: Env, problems: Problem[]): CanarySecrets {
  if (token.grant === 'command') return {};
  const read = (name: string, path: string, required: boolean): string | undefined => {
    const value = env[name];
    if (value === undefined || value === '') {
      if (required) problems.push({ path, message: `environment variable ${name} is not set` });
      return undefined;
    }
    return value;
  };
  const clientId = read(token.clientIdEnv, 'canary.token.clientIdEnv', true);
  if (token.grant === 'client_credentials') {
    const clientSecret = read(token.clientSecretEnv, 'canary.token.clientSecretEnv', true);
    return { ...opt('clientId', clientId), ...opt('clientSecret', clientSecret) };
  }
  const clientSecret =
    token.clientSecretEnv === undefined
      ? undefined
      : read(token.clientSecretEnv, 'canary.token.clientSecretEnv', true);
  const refreshToken = read(token.refreshTokenEnv, 'canary.token.refreshTokenEnv', true);
  return {
    ...opt('clientId', clientId),
    ...opt('clientSecret', clientSecret),
    ...opt('refreshToken', refreshToken),
  };
}

function opt<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

/** This machine's name as a label value (the Pushgateway's `instance`). */
function defaultInstance(): string {
  return hostname().replace(/[^A-Za-z0-9_.:-]/g, '_') || 'keystorm';
}

function dedupe(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\0${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}
