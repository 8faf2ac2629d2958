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
import type { ReporterFanout } from '../reporters/fanout.ts';
import type { RunInfo } from '../reporters/types.ts';
import type { SutOptions } from '../sut/types.ts';
import type { ScenarioInput } from './define.ts';
import { RunEnvironment } from './environment.ts';
import type { RunResult, ScenarioResult } from './result.ts';
import { runScenario } from './run-scenario.ts';
import { checkScenario } from './validate.ts';
import { DEFAULT_ISSUERS } from '../../mock-idp/issuer.ts';

export const VERSION = '0.1.0';

/** Lease of HTTP faults at mock-idp: longer than any scenario, short enough after a SIGKILL. */
const HTTP_FAULT_TTL_MS = 5 * 60_000;

export interface RunOptions {
  config: FullConfig;
  scenarios: ScenarioInput[];
  reporters: ReporterFanout;
}

/** Validates the scenarios against the config; throws one ValidationError listing everything. */
export function validateScenarios(scenarios: readonly unknown[], config: FullConfig): void {
  const issuers = config.idp.issuers.map((i) => i.name);
  const problems: Problem[] = [];
  scenarios.forEach((s, i) => {
    const name = typeof s === 'object' && s !== null && 'name' in s ? String(s.name) : `#${i}`;
    problems.push(...checkScenario(s, `scenarios[${i}](${name})`, { issuers, routes: ['default'] }));
  });
  if (problems.length > 0) throw new ValidationError('the scenarios', problems);
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
  const info: RunInfo = {
    scenarios: scenarios.map((s) => s.name),
    outDir: config.output.dir,
    seed: config.seed,
    timeScale: config.timeScale,
  };
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
    env = await RunEnvironment.start(
      {
        idp: {
          host: config.idp.host,
          port: config.idp.port,
          adminPort: config.idp.adminPort,
          alg: config.idp.alg,
          // Known names (gitlab, customersdot) keep mock-idp's templates for them (audience, scopes, claims).
          issuers: config.idp.issuers.map((i) => ({
            ...(DEFAULT_ISSUERS.find((d) => d.name === i.name) ?? { name: i.name }),
            algs: [i.alg],
          })),
          tls: config.idp.tls,
        },
        ...(config.proxy.enabled && config.proxy.mode === 'external'
          ? { toxiproxyUrl: config.proxy.url }
          : {}),
        seed: config.seed,
        timeScale: config.timeScale,
        sut: sutOptions(sut),
        allowHosts: config.allowHosts,
        httpFaultTtlMs: HTTP_FAULT_TTL_MS,
      },
      ledger,
    );
    for (const [index, scenario] of scenarios.entries()) {
      if (interrupt.signal.aborted) break;
      const result = await runScenario(scenario, {
        env,
        timeScale: config.timeScale,
        seed: config.seed,
        replicas: sut.mode === 'spawn' ? sut.replicas : 1,
        connections: config.load.connections,
        routes: { default: sut.request },
        logPatternNames: sut.mode === 'spawn' ? Object.keys(sut.logPatterns) : [],
        scrapeSutMetrics: sut.metricsUrl !== undefined,
        clientsPerIssuer: 8,
        tokenLifetimeS: 300,
        requestTimeoutMs: config.load.requestTimeout,
        allowHosts: config.allowHosts,
        signal: interrupt.signal,
        index: index + 1,
        total: scenarios.length,
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
    unwatch();
    if (!report.ok) {
      const failed = report.steps.filter((s) => !s.ok).map((s) => `${s.label}: ${s.error ?? 'failed'}`);
      process.stderr.write(`keystorm: rollback incomplete:\n  ${failed.join('\n  ')}\n`);
    }
  }

  const failed = results.some((r) => r.status === 'failed' || r.status === 'error');
  const status: RunResult['status'] =
    interruptedBy !== undefined
      ? 'interrupted'
      : harnessError !== undefined
        ? 'error'
        : failed
          ? 'failed'
          : 'passed';
  const exitCode =
    status === 'interrupted'
      ? ExitCode.interrupted
      : status === 'error'
        ? harnessError instanceof HarnessError
          ? harnessError.exitCode
          : ExitCode.harness
        : status === 'failed'
          ? ExitCode.sloBreach
          : ExitCode.ok;
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
  await reporters.onEnd(run, info);
  return run;
}
