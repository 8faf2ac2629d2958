/**
 * `keystorm k6 export` as a function: loads the config, selects and prepares the scenarios the
 * way `keystorm run` does (timings from the SUT profile, time scale, config SLO overrides, kinds
 * the SUT lacks left out), and writes per scenario a k6 script and a k6-operator TestRun, plus a
 * README and a tsconfig for the directory. `keystorm run --driver k6` calls it too.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../config/index.ts';
import type { FullConfig } from '../../config/types.ts';
import { planScenario } from '../../scenario/plan.ts';
import { validateScenarios } from '../../scenario/run.ts';
import { selectScenarios } from '../../scenario/select.ts';
import { capabilitiesOf, logPatternsOf } from '../../scenario/sut-profile.ts';
import { alertLines, withoutJourneys } from './keystorm-only.ts';
import { buildModel } from './model.ts';
import type { ExportModel } from './model.ts';
import { renderTestRun } from './manifest.ts';
import { renderReadme, renderTsconfig } from './readme.ts';
import { renderScript } from './script.ts';

export interface WriteK6Options {
  /** `--config`: the config file (default: the one found in `cwd`). */
  configPath?: string;
  /** Directory the files are written to (created when missing). */
  outDir: string;
  /** Default process.cwd(). */
  cwd?: string;
  /** `--time-scale`: overrides the config's time scale. */
  timeScale?: string;
  /** Runners of the TestRun manifests (default 2). */
  parallelism?: number;
  /** Told about a scenario that is not exported (it would be skipped by a run too), with why. */
  onSkip?: (scenario: string, reason: string) => void;
}

/**
 * Writes one k6 script per scenario (built-in names or patterns, or scenario files) and returns
 * the paths of the written `.ts` scripts.
 * @throws ValidationError (exit 2) naming every unknown scenario or invalid config at once
 */
export async function writeK6Scripts(scenarioNames: string[], options: WriteK6Options): Promise<string[]> {
  const cwd = options.cwd ?? process.cwd();
  const models = await exportModels(scenarioNames, { ...options, cwd });
  const outDir = resolve(cwd, options.outDir);
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const model of models) {
    const file = `${model.scenario}.ts`;
    const path = join(outDir, file);
    await writeFile(path, renderScript(model));
    const testRun = renderTestRun({
      scenario: model.scenario,
      file,
      ...(options.parallelism === undefined ? {} : { parallelism: options.parallelism }),
    });
    await writeFile(join(outDir, `${model.scenario}.testrun.yaml`), testRun);
    written.push(path);
  }
  await writeFile(join(outDir, 'tsconfig.json'), renderTsconfig());
  await writeFile(join(outDir, 'README.md'), renderReadme(models.map((m) => m.scenario)));
  return written;
}

/** The export models of the named scenarios, prepared as a run prepares them. */
export async function exportModels(
  scenarioNames: readonly string[],
  options: Omit<WriteK6Options, 'outDir'> & { cwd: string },
): Promise<ExportModel[]> {
  const config = await loadConfig({
    cwd: options.cwd,
    ...(options.configPath === undefined ? {} : { file: options.configPath }),
    overrides: options.timeScale === undefined ? {} : { timeScale: options.timeScale },
  });
  const refs = scenarioNames.map((a) =>
    /[/\\]|\.(m?[jt]s|json)$/.test(a)
      ? { kind: 'file' as const, path: resolve(options.cwd, a) }
      : { kind: 'builtin' as const, pattern: a },
  );
  const stripped = (await selectScenarios(refs, 'arguments')).map(withoutJourneys);
  const prepared = validateScenarios(
    stripped.map((s) => s.scenario),
    config,
  );
  const models: ExportModel[] = [];
  const journeyLines = new Map(stripped.map((s) => [(s.scenario as { name?: unknown }).name, s.lines]));
  for (const p of prepared) {
    if (p.skip !== undefined) {
      options.onSkip?.(p.scenario.name, p.skip);
      continue;
    }
    const model = buildModel(config, planScenario(p.scenario, planOptions(config)));
    model.timeline.push(...(journeyLines.get(p.scenario.name) ?? []));
    model.thresholds.judgedByKeystorm.push(...alertLines(p.scenario));
    models.push(model);
  }
  return models;
}

function planOptions(config: FullConfig): Parameters<typeof planScenario>[1] {
  const sut = config.sut;
  return {
    timeScale: config.timeScale,
    capabilities: capabilitiesOf(sut?.profile),
    logPatternNames: logPatternsOf(sut?.profile, sut?.mode === 'spawn' ? Object.keys(sut.logPatterns) : []),
  };
}
