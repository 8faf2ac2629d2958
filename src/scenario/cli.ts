/**
 * `keystorm run` and `keystorm list`: the main job. Exit codes: 0 every SLO met, 1 a breach,
 * 2 bad config/usage (every problem listed), 3 harness failure, 130 interrupted.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.ts';
import type { FullConfig, ScenarioRef } from '../config/types.ts';
import { ExitCode, ValidationError } from '../errors.ts';
import type { ScenarioInput } from './define.ts';
import { resolveScenarioTimings } from './resolve-timings.ts';
import { timingsOf } from './sut-profile.ts';
import { createRunReporters, executeRun, validateScenarios } from './run.ts';
import { selectScenarios } from './select.ts';
import { checkScenario } from './validate.ts';
import { ALL_BUILT_IN_SCENARIOS, OPT_IN_SCENARIOS } from '../../scenarios/index.ts';
import { checkDriverChoice, createDriver, DRIVER_USAGE, takeDriverOption } from '../k6/driver/index.ts';

const RUN_USAGE = `usage: keystorm run [SCENARIO...] [options]

Plays scenarios against the SUT of the config (keystorm.config.ts in the current directory by
default): starts mock-idp, the fault proxy and the SUT, runs load and the timeline, judges SLOs.

  SCENARIO            built-in names or patterns (auth-*), or scenario files; default: the config's
  --config FILE       config file (default: keystorm.config.{ts,mts,cts,js,mjs,cjs,json} in the cwd)
  --sut-env K=V       extra SUT environment, repeatable (e.g. --sut-env KEY_CACHE=naive)
  --seed N            seed every random choice (replay a run with its seed)
  --out DIR           output directory (default: reports/latest)
  --reporter NAME     console, json, markdown, junit, html, prometheus; repeatable
  --time-scale X      scale every scenario duration (0.5 = twice as fast)
  --tag NAME          only the selected scenarios with this tag (repeatable: any of them); on the
                      default selection also the opt-in drills with it (--tag alerts, --tag journeys)
  --alerts FILE       also judge this Prometheus rule file over the recorded series; repeatable,
                      added to the config's alerts.files
${DRIVER_USAGE}
  -h, --help          this help

exit codes: 0 all SLOs met, 1 SLO breach, 2 bad config or usage, 3 harness failure,
4 inconclusive (a drill's premise did not hold), 130 interrupted`;

const LIST_USAGE = `usage: keystorm list [--config FILE] [--json]

Lists the built-in scenarios (and marks those the config selects).`;

function hooks(config?: FullConfig) {
  const issuers = config?.idp.issuers.map((i) => i.name) ?? ['gitlab', 'customersdot'];
  return {
    builtinScenarios: ALL_BUILT_IN_SCENARIOS.map((s) => s.name),
    // Timing expressions ('ttl + 8s') are checked with default timings here; the run resolves
    // them again with the SUT profile.
    validateScenario: (scenario: unknown, path: string) => {
      const resolved = resolveScenarioTimings(scenario as ScenarioInput, timingsOf(undefined, 1), path);
      return [
        ...resolved.problems,
        ...checkScenario(resolved.scenario, path, { issuers, routes: ['default'] }),
      ];
    },
  };
}

/** Positional arguments → scenario refs (names/patterns or files). */
function refsFromArgs(args: readonly string[]): ScenarioRef[] {
  return args.map((a) =>
    /[/\\]|\.(m?[jt]s|json)$/.test(a) ? { kind: 'file', path: a } : { kind: 'builtin', pattern: a },
  );
}

export async function main(argv: string[]): Promise<number> {
  // `--driver k6-output DIR` takes two words: lifted out first, checked before anything starts.
  const driverOption = takeDriverOption(argv);
  const { values, positionals } = parseArgs({
    args: driverOption.argv,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string' },
      'sut-env': { type: 'string', multiple: true },
      alerts: { type: 'string', multiple: true },
      seed: { type: 'string' },
      out: { type: 'string' },
      reporter: { type: 'string', multiple: true },
      'time-scale': { type: 'string' },
      tag: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    console.log(RUN_USAGE);
    return ExitCode.ok;
  }
  checkDriverChoice(driverOption.choice);
  const config = await loadConfig({
    ...(values.config === undefined ? {} : { file: values.config }),
    overrides: {
      ...(values['sut-env'] === undefined ? {} : { sutEnv: values['sut-env'] }),
      ...(values.seed === undefined ? {} : { seed: values.seed }),
      ...(values.out === undefined ? {} : { out: values.out }),
      ...(values.reporter === undefined ? {} : { reporters: values.reporter }),
      ...(values['time-scale'] === undefined ? {} : { timeScale: values['time-scale'] }),
    },
    hooks: hooks(),
  });
  const refs = positionals.length > 0 ? refsFromArgs(positionals) : config.scenarios;
  const scenarios = await selectScenarios(refs, positionals.length > 0 ? 'arguments' : 'scenarios', {
    tags: values.tag ?? [],
  });
  validateScenarios(scenarios, config);
  const reporters = createRunReporters(config);
  const driver = createDriver(driverOption.choice, {
    reportDir: config.output.dir,
    configPath: config.configFile,
    cwd: process.cwd(),
    timeScale: config.timeScale,
  });
  const run = await executeRun({
    ...(driver === undefined ? {} : { driver }),
    config,
    scenarios: scenarios as ScenarioInput[],
    reporters,
    ...(values.alerts === undefined ? {} : { alertFiles: values.alerts }),
  });
  return run.exitCode;
}

export async function listMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: { config: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help === true) {
    console.log(LIST_USAGE);
    return ExitCode.ok;
  }
  let selected = new Set<string>();
  try {
    const config = await loadConfig({
      ...(values.config === undefined ? {} : { file: values.config }),
      hooks: hooks(),
    });
    const chosen = await selectScenarios(config.scenarios);
    selected = new Set(chosen.map((s) => (s as { name?: string }).name ?? ''));
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    // A broken config still lets people see what exists; `run` will list the problems.
    process.stderr.write(
      `keystorm: the config has problems (run 'keystorm run' to see them); listing built-ins only\n`,
    );
  }
  if (values.json === true) {
    console.log(
      JSON.stringify(
        ALL_BUILT_IN_SCENARIOS.map((s) => ({
          name: s.name,
          optIn: OPT_IN_SCENARIOS.includes(s),
          hypothesis: s.hypothesis,
          covers: s.covers ?? [],
          tags: s.tags ?? [],
          selected: selected.has(s.name),
        })),
        null,
        2,
      ),
    );
    return ExitCode.ok;
  }
  const width = Math.max(...ALL_BUILT_IN_SCENARIOS.map((s) => s.name.length));
  for (const s of ALL_BUILT_IN_SCENARIOS) {
    if (s === OPT_IN_SCENARIOS[0])
      console.log('\nopt-in drills (played only when named; they need promtool or Chromium):');
    const mark = selected.has(s.name) ? '*' : ' ';
    console.log(`${mark} ${s.name.padEnd(width)}  ${(s.covers ?? []).join(',') || '–'}\n    ${s.hypothesis}`);
  }
  console.log(
    `\n${ALL_BUILT_IN_SCENARIOS.length} built-in scenarios (${OPT_IN_SCENARIOS.length} opt-in); * = selected by the config`,
  );
  return ExitCode.ok;
}
