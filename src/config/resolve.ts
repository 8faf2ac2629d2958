/**
 * Validation and resolution: user config (unknown) → `FullConfig`. Shape problems come from
 * the zod schema, the rest from cross-field checks here (attach vs spawn options, template
 * placeholders, loopback rule, SLO expressions, scenario references); every problem found in
 * one pass is reported together in one ValidationError (exit 2).
 */
import { BUILT_IN_AUDIENCE, BUILT_IN_ISSUER_NAMES, GENERIC_AUDIENCE } from '../../mock-idp/contracts.ts';
import { existsSync } from 'node:fs';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import type { z } from 'zod';
import { ValidationError, type Problem } from '../errors.ts';
import type { LogPattern } from '../sut/pattern-counter.ts';
import { TemplateRenderer, type TemplateContext } from '../sut/template.ts';
import { idpTemplateContext } from '../sut/idp-context.ts';
import { applyTimeScale } from '../profile/schema.ts';
import { isLoopbackHost } from '../util/loopback.ts';
import { dedupeProblems, formatPath, suggest, zodProblems as problemsOf } from '../util/problems.ts';
import { knownKeysAt } from './known-keys.ts';
import {
  duplicateIssuers,
  proxyPortProblems,
  rawIssuerNames,
  relabelKeyProblems,
  sloSectionProblems,
} from './section-checks.ts';
import { configSchema, type ParsedConfig } from './schema.ts';
import type { FullConfig, FullIdpConfig, FullProxyConfig, FullSutConfig, ScenarioRef } from './types.ts';

/** What the scenario runner plugs into validation (the config layer knows no scenario shape). */
export interface ConfigHooks {
  /**
   * Validates one inline scenario object found at `path` (`scenarios[2]`); returns its problems
   * with full paths (`scenarios[2].timeline[0].at`). See `zodProblems` for a zod schema.
   */
  validateScenario?: (scenario: unknown, path: string) => readonly Problem[];
  /** Names of the built-in scenarios: a name or pattern matching none of them is a problem. */
  builtinScenarios?: readonly string[];
}

export interface ResolveOptions {
  /** The config file (absolute), for FullConfig.configFile. */
  configFile?: string;
  /** Base of relative paths (the config file's directory). Default: the cwd. */
  rootDir?: string;
  /** Environment to read TOXIPROXY_URL from. Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  hooks?: ConfigHooks;
  /** Problems found before (e.g. in CLI flags), reported together with the config's. */
  problems?: readonly Problem[];
  /** Source of the default seed. Default: a random 32-bit integer. */
  drawSeed?: () => number;
}

/** Problems of `value` against a zod schema, under `path` — for ConfigHooks.validateScenario. */
export function zodProblems(schema: z.ZodType, value: unknown, path: string): Problem[] {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return [];
  return problemsOf(result.error, {
    prefix: path,
    knownKeys: (p) => knownKeysAt(schema, p),
    unknownKeyNoun: 'option',
  });
}

/** Validates a user config and resolves it; throws one ValidationError listing every problem. */
export function resolveConfig(input: unknown, options: ResolveOptions = {}): FullConfig {
  const problems: Problem[] = [...(options.problems ?? [])];
  const parsed = configSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    problems.push(
      ...problemsOf(parsed.error, {
        knownKeys: (p) => knownKeysAt(configSchema, p),
        unknownKeyNoun: 'option',
      }),
    );
  }
  const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  // Checks of one section read it raw, so a shape error elsewhere hides none of them.
  problems.push(
    ...duplicateIssuers(raw),
    ...proxyPortProblems(raw),
    ...sloSectionProblems(raw),
    ...relabelKeyProblems(raw),
    ...alertFileProblems(raw, options.rootDir ?? process.cwd()),
  );
  // The other cross-field checks need a parsed config; on a shape error we still check the
  // templates and scenario entries we can read, so one run lists as much as possible.
  if (!parsed.success) {
    problems.push(...checkTemplatesLeniently(raw));
    problems.push(...checkScenarioEntries(input, options));
    throw invalid(options.configFile, dedupeProblems(problems));
  }
  const full = build(parsed.data, raw, options, problems);
  if (problems.length > 0) throw invalid(options.configFile, dedupeProblems(problems));
  return full;
}

/**
 * Names what is wrong: the config file, the command line (flag problems have `--flag` paths)
 * or both, so a bad flag is never blamed on a file that is fine.
 */
function invalid(configFile: string | undefined, problems: Problem[]): ValidationError {
  const fromFlags = problems.filter((p) => p.path.startsWith('--')).length;
  const file = configFile ?? 'the configuration';
  const what =
    fromFlags === 0
      ? file
      : fromFlags === problems.length
        ? 'the command line'
        : `${file} and the command line`;
  return new ValidationError(what, problems);
}

function build(
  config: ParsedConfig,
  raw: Record<string, unknown>,
  options: ResolveOptions,
  problems: Problem[],
): FullConfig {
  const rootDir = options.rootDir ?? process.cwd();
  const seed = config.seed ?? (options.drawSeed ?? (() => Math.floor(Math.random() * 2 ** 32)))();
  const allowHosts = config.allowHosts;
  const allowed = (url: string, path: string): void => {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (!isLoopbackHost(host) && !allowHosts.some((h) => h.toLowerCase() === host)) {
      problems.push({ path, message: `${host} is not loopback: add it to allowHosts to send traffic there` });
    }
  };

  const idp = buildIdp(config, seed);
  const proxy = buildProxy(config, options.env ?? process.env, problems, allowed);
  const outputDir = resolvePath(rootDir, config.output.dir);
  const sut = buildSut(config, raw, rootDir, outputDir, idp, proxy, problems, allowed);
  if (config.output.pushGateway !== undefined) allowed(config.output.pushGateway, 'output.pushGateway');

  return {
    configFile: options.configFile,
    rootDir,
    idp,
    proxy,
    sut,
    load: config.load,
    scenarios: buildScenarios(config.scenarios, rootDir, options, problems),
    slos: { extra: config.slos.extra, override: config.slos.override },
    alerts: buildAlerts(config, rootDir),
    timeScale: config.timeScale,
    allowHosts,
    seed,
    output: {
      dir: outputDir,
      reporters: [...new Set(config.output.reporters)],
      ...(config.output.pushGateway === undefined ? {} : { pushGateway: config.output.pushGateway }),
    },
  };
}

/** Rule files resolved against the config's directory (alertFileProblems checked that they exist). */
function buildAlerts(config: ParsedConfig, rootDir: string): FullConfig['alerts'] {
  const files = config.alerts.files.map((file) => (isAbsolute(file) ? file : resolvePath(rootDir, file)));
  return { files, relabel: config.alerts.relabel };
}

/** A rule file of `alerts.files` that does not exist, by path; read raw, so it is listed with every shape error. */
function alertFileProblems(raw: Record<string, unknown>, rootDir: string): Problem[] {
  const alerts = raw['alerts'];
  const files =
    typeof alerts === 'object' && alerts !== null ? (alerts as { files?: unknown }).files : undefined;
  if (!Array.isArray(files)) return [];
  return files.flatMap((file: unknown, i): Problem[] => {
    if (typeof file !== 'string' || file === '') return [];
    const path = isAbsolute(file) ? file : resolvePath(rootDir, file);
    return existsSync(path) ? [] : [{ path: `alerts.files[${i}]`, message: `no such rule file: ${path}` }];
  });
}

function buildIdp(config: ParsedConfig, seed: number): FullIdpConfig {
  const issuers = config.idp.issuers.map((entry) =>
    typeof entry === 'string'
      ? { name: entry, alg: config.idp.alg }
      : { name: entry.name, alg: entry.alg ?? config.idp.alg },
  );
  return {
    ...config.idp,
    issuers,
    audience: config.idp.audience ?? defaultAudience(issuers.map((i) => i.name)),
    seed: config.idp.seed ?? seed,
  };
}

/**
 * The audience mock-idp mints for these issuers on its own: its built-in issuers' (gitlab,
 * customersdot) when there are only those, else the generic one, so a config that names no
 * audience gets the tokens it got before `idp.audience` existed.
 */
function defaultAudience(names: readonly string[]): string {
  return names.every((n) => BUILT_IN_ISSUER_NAMES.includes(n)) ? BUILT_IN_AUDIENCE : GENERIC_AUDIENCE;
}

/** The host a SUT dials: the bind address, unless that is a wildcard (then loopback). */
function reachableHost(bind: string): string {
  return bind === '0.0.0.0' || bind === '::' || bind === '[::]' ? '127.0.0.1' : bind;
}

function buildProxy(
  config: ParsedConfig,
  env: Readonly<Record<string, string | undefined>>,
  problems: Problem[],
  allowed: (url: string, path: string) => void,
): FullProxyConfig {
  const listen = {
    host: config.proxy.host,
    ports: config.proxy.ports,
    publicHost: config.proxy.publicHost ?? reachableHost(config.proxy.host),
  };
  const embedded: FullProxyConfig = { mode: 'embedded', port: config.proxy.port, ...listen };
  const fromEnv = env['TOXIPROXY_URL']?.trim();
  const url = config.proxy.url ?? (fromEnv === '' ? undefined : fromEnv);
  if (url === undefined) return embedded;
  const where = config.proxy.url === undefined ? 'TOXIPROXY_URL (environment)' : 'proxy.url';
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    problems.push({ path: where, message: `must be an http(s) URL, got ${JSON.stringify(url)}` });
    return embedded;
  }
  allowed(url, where);
  return { mode: 'external', url, ...listen };
}

/** Options that make sense only for a process keystorm starts. */
const SPAWN_ONLY = [
  'cwd',
  'env',
  'inheritEnv',
  'replicas',
  'logPatterns',
  'logLines',
  'logToFile',
  'stopTimeout',
  'host',
] as const;

/**
 * The placeholders the runner fills for a SUT (the contract with the scenario runner):
 * `idp.<issuer>.issuer|jwks|discovery|token` through the proxy under the replica's client
 * prefix, `idp.ca` with TLS, `proxy.url` (the proxy API), plus `replica.id`,
 * `replica.index` and `port` (added by the SUT layer). Values here are samples, for checking.
 */
export function sutTemplateShape(idp: FullIdpConfig): TemplateContext {
  const sample = 'http://127.0.0.1:1';
  return {
    ...idpTemplateContext({
      issuers: idp.issuers.map((i) => ({
        name: i.name,
        base: `${sample}/${i.name}`,
        issuer: `${sample}/${i.name}`,
        jwksPath: 'jwks',
      })),
      replicaId: 'replica-1',
      adminUrl: sample,
      proxyUrl: sample,
      caPath: idp.tls ? '/tmp/ca.pem' : undefined,
      audience: idp.audience,
      timeScale: 1,
    }),
    replica: { id: 'replica-1', index: 0 },
    port: 1,
  };
}

function buildSut(
  config: ParsedConfig,
  raw: Record<string, unknown>,
  rootDir: string,
  outputDir: string,
  idp: FullIdpConfig,
  proxy: FullProxyConfig,
  problems: Problem[],
  allowed: (url: string, path: string) => void,
): FullSutConfig | null {
  const sut = config.sut;
  if (sut === undefined) return null;
  const rawSut = (typeof raw['sut'] === 'object' && raw['sut'] !== null ? raw['sut'] : {}) as Record<
    string,
    unknown
  >;
  const request = {
    method: sut.request.method,
    path: sut.request.path,
    headers: sut.request.headers,
    ...(sut.request.body === undefined ? {} : { body: sut.request.body }),
    ...(sut.request.expect === undefined ? {} : { expect: sut.request.expect }),
  };
  const endpoints = (base: {
    readyUrl?: string | undefined;
    metricsUrl?: string | undefined;
  }): { readyUrl?: string; metricsUrl?: string } => ({
    ...(base.readyUrl === undefined ? {} : { readyUrl: base.readyUrl }),
    ...(base.metricsUrl === undefined ? {} : { metricsUrl: base.metricsUrl }),
  });
  for (const key of ['readyUrl', 'metricsUrl'] as const) {
    const value = sut[key];
    if (value !== undefined && !value.startsWith('/') && !/^https?:\/\//.test(value)) {
      problems.push({
        path: `sut.${key}`,
        message: `must be a path on sut.url (/ready) or an http(s) URL, got ${JSON.stringify(value)}`,
      });
    }
  }

  if (sut.command === undefined) {
    if (sut.url === undefined) {
      problems.push({
        path: 'sut',
        message: 'needs sut.command (keystorm starts the SUT) or sut.url (attach to a running SUT)',
      });
      return null;
    }
    for (const key of SPAWN_ONLY) {
      if (key in rawSut)
        problems.push({
          path: `sut.${key}`,
          message: 'only applies to a SUT keystorm starts (set sut.command)',
        });
    }
    if (!URL.canParse(sut.url) || !/^https?:$/.test(new URL(sut.url).protocol)) {
      problems.push({ path: 'sut.url', message: `must be an http(s) URL, got ${JSON.stringify(sut.url)}` });
    } else {
      allowed(sut.url, 'sut.url');
      for (const key of ['readyUrl', 'metricsUrl'] as const) {
        const value = sut[key];
        if (value !== undefined && /^https?:\/\//.test(value) && URL.canParse(value))
          allowed(value, `sut.${key}`);
      }
    }
    return {
      mode: 'attach',
      url: sut.url,
      readyTimeout: sut.readyTimeout,
      readyInterval: sut.readyInterval,
      ...endpoints(sut),
      request,
      ...(sut.profile === undefined ? {} : { profile: applyTimeScale(sut.profile, config.timeScale) }),
    };
  }

  problems.push(...checkSutTemplates(sut, sutTemplateShape(idp)));
  if (sut.url !== undefined && sut.replicas > 1 && !/\{\{\s*port\s*\}\}/.test(sut.url)) {
    problems.push({
      path: 'sut.url',
      message: 'with sut.replicas > 1 every replica needs its own port: use {{port}} in the URL',
    });
  }

  return {
    mode: 'spawn',
    command: sut.command,
    cwd: resolvePath(rootDir, sut.cwd ?? '.'),
    env: sut.env,
    inheritEnv: sut.inheritEnv,
    ...(sut.url === undefined ? {} : { url: sut.url }),
    ...endpoints(sut),
    readyTimeout: sut.readyTimeout,
    readyInterval: sut.readyInterval,
    replicas: sut.replicas,
    logPatterns: buildLogPatterns(sut.logPatterns, problems),
    logLines: sut.logLines,
    ...(sut.logToFile ? { logDir: resolvePath(outputDir, 'sut') } : {}),
    stopTimeout: sut.stopTimeout,
    host: sut.host,
    request,
    ...(sut.profile === undefined ? {} : { profile: applyTimeScale(sut.profile, config.timeScale) }),
  };
}

/**
 * Checks every templated SUT field against the placeholders the runner will fill. Takes the
 * SUT loosely so it also runs on a config whose shape is wrong elsewhere.
 */
function checkSutTemplates(sut: Record<string, unknown>, shape: TemplateContext): Problem[] {
  const renderer = new TemplateRenderer(shape);
  const { command, env } = sut;
  if (typeof command === 'string') renderer.render(command, 'sut.command');
  else if (Array.isArray(command)) {
    command.forEach((arg, i) => {
      if (typeof arg === 'string') renderer.render(arg, `sut.command[${i}]`);
    });
  }
  if (typeof env === 'object' && env !== null) {
    for (const [key, value] of Object.entries(env)) {
      if (typeof value === 'string') renderer.render(value, formatPath(['sut', 'env', key]));
    }
  }
  for (const key of ['url', 'readyUrl', 'metricsUrl'] as const) {
    const value = sut[key];
    if (typeof value === 'string') renderer.render(value, `sut.${key}`);
  }
  return renderer.problems;
}

/** Template checks on a config whose shape failed: issuers etc. as far as they are readable. */
function checkTemplatesLeniently(raw: Record<string, unknown>): Problem[] {
  const sut = raw['sut'];
  if (typeof sut !== 'object' || sut === null || (sut as Record<string, unknown>)['command'] === undefined)
    return [];
  const idpRaw = (typeof raw['idp'] === 'object' && raw['idp'] !== null ? raw['idp'] : {}) as Record<
    string,
    unknown
  >;
  // Invalid names are reported by the schema; do not offer them as placeholders.
  const names = rawIssuerNames(raw).flatMap(({ name }) => (ISSUER_NAME.test(name) ? [name] : []));
  const idp: FullIdpConfig = {
    issuers: names.map((name) => ({ name, alg: 'ES256' })),
    alg: 'ES256',
    audience: 'sample-audience',
    tls: idpRaw['tls'] === true,
    host: '127.0.0.1',
    port: 0,
    adminPort: 0,
    seed: 0,
  };
  return checkSutTemplates(sut as Record<string, unknown>, sutTemplateShape(idp));
}

function buildLogPatterns(
  patterns: Record<string, string | RegExp | { regex: string; flags?: string | undefined }>,
  problems: Problem[],
): Record<string, LogPattern> {
  const out: Record<string, LogPattern> = {};
  for (const [name, pattern] of Object.entries(patterns)) {
    if (typeof pattern === 'string' || pattern instanceof RegExp) {
      out[name] = pattern;
      continue;
    }
    try {
      out[name] = new RegExp(pattern.regex, pattern.flags ?? '');
    } catch (error) {
      problems.push({
        path: formatPath(['sut', 'logPatterns', name, 'regex']),
        message: `not a valid regular expression: ${(error as Error).message}`,
      });
    }
  }
  return out;
}

const ISSUER_NAME = /^[a-z][a-z0-9-]{0,31}$/;
const FILE_LIKE = /\/|\\|\.([cm]?[jt]s|json)$/;

/** Scenario checks that need no other part of the config (run even when the shape is wrong). */
function checkScenarioEntries(input: unknown, options: ResolveOptions): Problem[] {
  const list =
    typeof input === 'object' && input !== null ? (input as Record<string, unknown>)['scenarios'] : undefined;
  if (!Array.isArray(list)) return [];
  const problems: Problem[] = [];
  buildScenarios(
    list as ParsedConfig['scenarios'],
    options.rootDir ?? process.cwd(),
    options,
    problems,
    true,
  );
  return problems;
}

function buildScenarios(
  entries: ParsedConfig['scenarios'],
  rootDir: string,
  options: ResolveOptions,
  problems: Problem[],
  lenient = false,
): ScenarioRef[] {
  const builtins = options.hooks?.builtinScenarios;
  return entries.map((entry, i): ScenarioRef => {
    const path = `scenarios[${i}]`;
    if (typeof entry === 'object' && entry !== null) {
      problems.push(...(options.hooks?.validateScenario?.(entry, path) ?? []));
      return { kind: 'inline', scenario: entry };
    }
    if (typeof entry !== 'string' || (lenient && entry === '')) return { kind: 'inline', scenario: entry };
    if (FILE_LIKE.test(entry)) {
      const file = isAbsolute(entry) ? entry : resolvePath(rootDir, entry);
      if (!existsSync(file)) problems.push({ path, message: `scenario file not found: ${file}` });
      return { kind: 'file', path: file };
    }
    if (builtins !== undefined) {
      const regex = new RegExp(`^${entry.split('*').map(escapeRegExp).join('.*')}$`);
      if (!builtins.some((name) => regex.test(name))) {
        const hint = suggest(entry, builtins);
        problems.push({
          path,
          message: `no built-in scenario matches '${entry}'${hint === undefined ? '' : ` (did you mean '${hint}'?)`}; built-in: ${builtins.join(', ')}`,
        });
      }
    }
    return { kind: 'builtin', pattern: entry };
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
