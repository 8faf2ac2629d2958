/**
 * One `keystorm run`: validates every scenario up front (exit 2 lists all problems), starts the
 * environment, plays the scenarios in order, and always rolls everything back — on success,
 * on error and on SIGINT/SIGTERM (then exit 130 with a partial report marked interrupted).
 */
import { mkdir } from 'node:fs/promises';
import { ExitCode, HarnessError, ValidationError } from '../errors.ts';
import type { Problem } from '../errors.ts';
import { FaultLedger } from '../faults/ledger.ts';
import type { FullConfig, FullSutConfig } from '../config/types.ts';
import { checkSloOverrides, effectiveSlos } from '../config/slo-overrides.ts';
import { createReporter, ReporterFanout } from '../reporters/index.ts';
import type { RunInfo } from '../reporters/types.ts';
import type { SutOptions } from '../sut/types.ts';
import type { ScenarioInput } from './define.ts';
import { RunEnvironment, type EnvironmentOptions } from './environment.ts';
import type { RunResult, ScenarioResult } from '../result/types.ts';
import { assertPromtool, resolveRuleFiles } from '../alerts/index.ts';
import { wantsAlerts } from './alert-check.ts';
import type { AlertSettings } from './alert-check.ts';
import type { LoadDriver } from './load-driver.ts';
import { prepareScenarios } from './prepare.ts';
import type { PreparedScenario } from './prepare.ts';
import { runScenario, type ScenarioRunSettings } from './run-scenario.ts';
import { toReportLoad } from './summaries.ts';
import { capabilitiesOf, logPatternsOf, reportTimings, timingsOf } from './sut-profile.ts';
import type { SutProfile } from '../profile/schema.ts';
import { DEFAULT_ISSUERS } from '../../mock-idp/issuer.ts';
import { ALL_BUILT_IN_SCENARIOS } from '../../scenarios/index.ts';

export const VERSION = '0.1.0';

/** Lease of HTTP faults at mock-idp: longer than any scenario, short enough after a SIGKILL. */
const HTTP_FAULT_TTL_MS = 5 * 60_000;

export interface RunOptions {
  config: FullConfig;
  scenarios: ScenarioInput[];
  reporters: ReporterFanout;
  /** `--alerts`: rule files added to the config's `alerts.files`, judged in every scenario with the shipped rules. */
  alertFiles?: readonly string[];
  /** Where the load comes from (`--driver`; default: the built-in engine). */
  driver?: LoadDriver;
}

/** The SUT profile (config `sut.profile`), when pinned. */
function profileOf(config: FullConfig): SutProfile | undefined {
  return config.sut?.profile;
}

/** A scenario with the config's `slos.extra` and `slos.override` applied to its SLOs. */
export function withConfigSlos<T>(scenario: T, config: FullConfig): T {
  if (typeof scenario !== 'object' || scenario === null) return scenario;
  const { name, slos } = scenario as { name?: unknown; slos?: unknown };
  if (typeof name !== 'string' || !Array.isArray(slos)) return scenario;
  return { ...scenario, slos: effectiveSlos(name, slos, config.slos) };
}

/**
 * Resolves the scenarios' timing expressions from the SUT profile and validates them against
 * the config, as they will be played (the config's `slos.extra` and `slos.override` applied),
 * and the overrides against every scenario they could name; throws one ValidationError listing
 * every problem. Scenarios that cannot apply come back with a `skip` reason.
 */
export function validateScenarios(scenarios: readonly unknown[], config: FullConfig): PreparedScenario[] {
  const named = [...ALL_BUILT_IN_SCENARIOS, ...scenarios].flatMap((s) => {
    const { name, slos } = (s ?? {}) as { name?: unknown; slos?: unknown };
    return typeof name === 'string' && Array.isArray(slos) ? [{ name, slos }] : [];
  });
  const overrides = checkSloOverrides(config.slos, named);
  let problems: readonly Problem[] = [];
  let prepared: PreparedScenario[] = [];
  try {
    prepared = prepareScenarios(
      scenarios.map((s) => withConfigSlos(s, config)),
      {
        issuers: config.idp.issuers.map((i) => i.name),
        routes: ['default'],
        timings: timingsOf(profileOf(config), config.timeScale),
      },
    );
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problems = error.problems;
  }
  if (problems.length === 0 && overrides.length === 0) return prepared;
  const file = config.configFile ?? 'the configuration';
  const what =
    overrides.length === 0 ? 'the scenarios' : problems.length === 0 ? file : `${file} and the scenarios`;
  throw new ValidationError(what, [...overrides, ...problems]);
}

/** What the run environment is started with, from the config. */
export function environmentOptions(config: FullConfig, sut: FullSutConfig): EnvironmentOptions {
  const { proxy } = config;
  return {
    idp: {
      host: config.idp.host,
      port: config.idp.port,
      adminPort: config.idp.adminPort,
      alg: config.idp.alg,
      seed: config.idp.seed,
      // Known names (gitlab, customersdot) keep mock-idp's templates for them (scopes, claims).
      issuers: config.idp.issuers.map((i) => ({
        ...(DEFAULT_ISSUERS.find((d) => d.name === i.name) ?? { name: i.name }),
        algs: [i.alg],
        audience: config.idp.audience,
      })),
      tls: config.idp.tls,
      // The SUT reaches the issuers by the proxies' public host: the certificate must name it.
      tlsHosts: [proxy.publicHost],
    },
    ...(proxy.mode === 'external'
      ? { toxiproxyUrl: proxy.url }
      : { proxyApi: { host: proxy.host, port: proxy.port } }),
    proxyListen: { host: proxy.host, ports: proxy.ports, publicHost: proxy.publicHost },
    audience: config.idp.audience,
    seed: config.seed,
    timeScale: config.timeScale,
    sut: sutOptions(sut),
    allowHosts: config.allowHosts,
    httpFaultTtlMs: HTTP_FAULT_TTL_MS,
  };
}

/** The settings every scenario of the run shares, from the config. */
export function sharedRunSettings(
  config: FullConfig,
  sut: FullSutConfig,
): Pick<
  ScenarioRunSettings,
  | 'timeScale'
  | 'seed'
  | 'replicas'
  | 'connections'
  | 'routes'
  | 'logPatternNames'
  | 'scrapeSutMetrics'
  | 'reportDir'
  | 'capabilities'
  | 'clientsPerIssuer'
  | 'tokenLifetimeS'
  | 'requestTimeoutMs'
  | 'allowHosts'
> {
  return {
    timeScale: config.timeScale,
    seed: config.seed,
    replicas: sut.mode === 'spawn' ? sut.replicas : 1,
    connections: config.load.connections,
    routes: { default: sut.request },
    logPatternNames: logPatternsOf(
      profileOf(config),
      sut.mode === 'spawn' ? Object.keys(sut.logPatterns) : [],
    ),
    scrapeSutMetrics: sut.metricsUrl !== undefined,
    reportDir: config.output.dir,
    capabilities: capabilitiesOf(profileOf(config)),
    clientsPerIssuer: config.load.clientsPerIssuer,
    tokenLifetimeS: Math.round(config.load.tokenLifetime / 1000),
    requestTimeoutMs: config.load.requestTimeout,
    allowHosts: config.allowHosts,
  };
}

/** The reporters `output.reporters` names (`prometheus` pushing to `output.pushGateway` if set). */
export function createRunReporters(config: FullConfig): ReporterFanout {
  const { reporters, pushGateway } = config.output;
  const options = pushGateway === undefined ? {} : { pushGateway };
  return new ReporterFanout(reporters.map((name) => createReporter(name, options)));
}

/** What reporters learn when the run begins. */
export function runInfo(config: FullConfig, scenarios: readonly ScenarioInput[]): RunInfo {
  return {
    scenarios: scenarios.map((s) => s.name),
    outDir: config.output.dir,
    seed: config.seed,
    timeScale: config.timeScale,
  };
}

/**
 * The team's rule files: the config's `alerts.files` (resolved against the config file, checked
 * when the config loaded) plus `--alerts` (resolved against the working directory; missing ones
 * are a usage error, exit 2), with the config's `alerts.relabel`. Undefined when there are none.
 */
export async function alertSettings(
  config: FullConfig,
  cliFiles: readonly string[] | undefined,
): Promise<AlertSettings | undefined> {
  const resolved = await resolveRuleFiles(cliFiles ?? [], process.cwd());
  if (resolved.problems.length > 0) throw new ValidationError('alert rule files', resolved.problems);
  const files = [...new Set([...config.alerts.files, ...resolved.files])];
  const relabel = config.alerts.relabel;
  if (files.length === 0) return undefined;
  return { files, ...(Object.keys(relabel).length === 0 ? {} : { relabel }) };
}

/** The result of a scenario that was not played, with the reason. */
function skippedResult(p: PreparedScenario): ScenarioResult {
  return {
    name: p.scenario.name,
    hypothesis: p.scenario.hypothesis,
    covers: p.scenario.covers ?? [],
    status: 'skipped',
    skipReason: p.skip ?? '',
    startedAt: new Date().toISOString(),
    durationMs: 0,
    preconditions: [],
    slos: [],
    load: toReportLoad(undefined),
    idp: {
      jwksFetches: 0,
      peakConcurrentJwksFetches: 0,
      fetchesPerInstance: {},
      unknownKidFetches: 0,
      tokensIssued: 0,
      faultsInjected: 0,
    },
    logMatches: {},
    sutCounters: {},
    windows: [],
    timeline: [],
    series: [],
    definition: p.scenario,
  };
}

/**
 * The run's status from its scenarios: an interruption or a harness failure outranks verdicts
 * (a gate must tell "did not boot" from "regressed"); a proven breach outranks an inconclusive
 * drill; skipped scenarios do not count.
 */
export function runStatus(
  results: readonly ScenarioResult[],
  interrupted: boolean,
  harnessError: unknown,
): { status: RunResult['status']; exitCode: number } {
  if (interrupted) return { status: 'interrupted', exitCode: ExitCode.interrupted };
  if (harnessError !== undefined)
    return {
      status: 'error',
      exitCode: harnessError instanceof HarnessError ? harnessError.exitCode : ExitCode.harness,
    };
  if (results.some((r) => r.status === 'error')) return { status: 'error', exitCode: ExitCode.harness };
  if (results.some((r) => r.status === 'failed')) return { status: 'failed', exitCode: ExitCode.sloBreach };
  if (results.some((r) => r.status === 'inconclusive'))
    return { status: 'inconclusive', exitCode: ExitCode.inconclusive };
  return { status: 'passed', exitCode: ExitCode.ok };
}

function sutOptions(sut: FullSutConfig): SutOptions {
  if (sut.mode === 'attach') {
    return {
      url: sut.url,
      readyTimeout: sut.readyTimeout,
      readyInterval: sut.readyInterval,
      ...(sut.readyUrl === undefined ? {} : { readyUrl: sut.readyUrl }),
      ...(sut.metricsUrl === undefined ? {} : { metricsUrl: sut.metricsUrl }),
    };
  }
  const { mode: _mode, request: _request, ...spawn } = sut;
  return spawn;
}

/** Plays the run; resolves with the result (it never rejects for SUT behaviour or SLO breaches). */
export async function executeRun(options: RunOptions): Promise<RunResult> {
  const { config, scenarios, reporters } = options;
  const sut = config.sut;
  if (sut === null) {
    throw new HarnessError(
      'ERR_USAGE',
      'no SUT configured: set `sut.command` (spawn) or `sut.url` (attach) in the config',
    );
  }
  const startedAt = new Date();
  const info = runInfo(config, scenarios);
  await mkdir(config.output.dir, { recursive: true });
  await reporters.onBegin(info);

  const ledger = new FaultLedger({
    onEvent: (e) => {
      if (e.type === 'revert-failed')
        process.stderr.write(`keystorm: rollback step failed: ${e.label}: ${e.error}\n`);
    },
  });
  const interrupt = new AbortController();
  let interruptedBy: NodeJS.Signals | undefined;
  const unwatch = ledger.watchSignals((signal) => {
    interruptedBy = signal;
    process.stderr.write(
      `\nkeystorm: ${signal} received — rolling back every fault and writing a partial report\n`,
    );
    interrupt.abort();
  });

  const results: ScenarioResult[] = [];
  let harnessError: unknown;
  let env: RunEnvironment | undefined;
  try {
    env = await RunEnvironment.start(environmentOptions(config, sut), ledger);
    const shared = sharedRunSettings(config, sut);
    const timings = timingsOf(profileOf(config), config.timeScale);
    const prepared = validateScenarios(scenarios, config);
    const alerts = await alertSettings(config, options.alertFiles);
    // Alert verification needs promtool: say so (exit 2) before anything starts, not mid-run.
    if (prepared.some((p) => p.skip === undefined && wantsAlerts(p.scenario, alerts))) await assertPromtool();
    for (const [index, p] of prepared.entries()) {
      if (interrupt.signal.aborted) break;
      if (p.skip !== undefined) {
        const skipped = skippedResult(p);
        results.push(skipped);
        await reporters.onScenarioEnd(skipped);
        continue;
      }
      const scenario = p.scenario;
      const result = await runScenario(scenario, {
        ...shared,
        env,
        ...(alerts === undefined ? {} : { alerts }),
        ...(options.driver === undefined ? {} : { driver: options.driver }),
        ...(sut.metricsUrl === undefined ? {} : { metricsPath: sut.metricsUrl }),
        timings: reportTimings(timings, p.used),
        signal: interrupt.signal,
        index: index + 1,
        total: prepared.length,
        onProgress: (p) => reporters.onProgress(p),
        onEvent: (entry) => reporters.onEvent(scenario.name, entry),
      });
      results.push(result);
      await reporters.onScenarioEnd(result);
    }
  } catch (error) {
    harnessError = error;
  } finally {
    await env?.close().catch(() => undefined);
    const report = await ledger.rollback();
    if (!report.ok) {
      const failed = report.steps.filter((s) => !s.ok).map((s) => `${s.label}: ${s.error ?? 'failed'}`);
      process.stderr.write(`keystorm: rollback incomplete:\n  ${failed.join('\n  ')}\n`);
    }
  }

  const { status, exitCode } = runStatus(results, interruptedBy !== undefined, harnessError);
  const run: RunResult = {
    tool: 'keystorm',
    version: VERSION,
    status,
    exitCode,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    seed: config.seed,
    timeScale: config.timeScale,
    sut: {
      description: sut.mode === 'spawn' ? [sut.command].flat().join(' ') : sut.url,
      replicas: sut.mode === 'spawn' ? sut.replicas : 1,
      env: sut.mode === 'spawn' ? sut.env : {},
    },
    scenarios: results,
  };
  if (harnessError !== undefined) {
    const message = harnessError instanceof Error ? harnessError.message : JSON.stringify(harnessError);
    process.stderr.write(`keystorm: run failed: ${message}\n`);
  }
  for (const r of results)
    if (r.status === 'error')
      process.stderr.write(`keystorm: ${r.name}: harness failure: ${r.error ?? 'unknown'}\n`);
  // Signals stay handled until the report is written: a second Ctrl-C between the rollback and
  // the report must not kill the process before summary.json exists.
  try {
    await reporters.onEnd(run, info);
  } finally {
    unwatch();
  }
  return run;
}
