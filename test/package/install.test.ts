/**
 * The published package, tried as a user does: `npm pack` this repository (which builds dist/),
 * install the tarball into fresh CommonJS and ESM projects, and run `npx keystorm` there with
 * the project's own config, scenario and service. npm installs the dependencies from the cache
 * that this repository's own install filled (`--prefer-offline`), so no download is needed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  EXAMPLE_GATEWAY_CONFIG,
  EXTENSIONS,
  matrixFiles,
  projectFiles,
  writeFiles,
  type ProjectKind,
} from './projects.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OWN = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

interface Result {
  code: number | null;
  output: string;
}

/** Runs a command to its end (killed after `timeoutMs`), stdout and stderr together. */
function run(
  command: string,
  args: string[],
  cwd: string,
  timeoutMs = 90_000,
  env: Record<string, string> = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, output });
    });
  });
}

async function succeed(
  command: string,
  args: string[],
  cwd: string,
  timeoutMs?: number,
  env?: Record<string, string>,
): Promise<string> {
  const result = await run(command, args, cwd, timeoutMs, env);
  assert.equal(result.code, 0, `${command} ${args.join(' ')} failed:\n${result.output}`);
  return result.output;
}

let work: string;
let tarball: string;
const projects = {} as Record<ProjectKind, string>;

before(
  async () => {
    work = mkdtempSync(join(tmpdir(), 'keystorm-package-'));
    // `npm pack` runs the prepack build, so the tarball holds what a release would.
    const packed = await succeed('npm', ['pack', '--json', '--pack-destination', work], ROOT, 300_000);
    const [{ filename }] = JSON.parse(packed.slice(packed.indexOf('['))) as [{ filename: string }];
    tarball = join(work, filename);
    await Promise.all(
      (['commonjs', 'module'] as const).map(async (kind) => {
        const dir = join(work, kind);
        mkdirSync(dir);
        writeFiles(dir, { ...projectFiles(kind), ...matrixFiles(kind) });
        const jose = `jose@${OWN.dependencies['jose']}`;
        const args = ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, jose];
        await succeed('npm', args, dir, 180_000);
        projects[kind] = dir;
      }),
    );
  },
  { timeout: 600_000 },
);
after(() => rmSync(work, { recursive: true, force: true }));

describe('the npm package', () => {
  it('ships compiled JavaScript, types, the bin and the LICENSE, and no tests, benches, reports or sources', async () => {
    const listing = (await succeed('tar', ['-tzf', tarball], work)).split('\n').filter(Boolean);
    for (const file of [
      'package/bin/keystorm.mjs',
      'package/LICENSE',
      'package/README.md',
      'package/dist/src/cli.js',
      'package/dist/src/config/index.d.ts',
      'package/dist/src/scenario/define.d.ts',
      'package/dist/mock-idp/index.d.ts',
      'package/dist/scenarios/baseline.js',
      'package/dist/examples/gateway/main.js',
    ]) {
      assert.ok(listing.includes(file), `${file} is missing from the tarball`);
    }
    // Files the code reads next to itself (a page's static assets) come along.
    for (const asset of nonTypeScriptFiles(['src', 'mock-idp', 'scenarios', 'examples'])) {
      assert.ok(listing.includes(`package/dist/${asset}`), `${asset} is missing from the tarball`);
    }
    const unwanted = listing.filter(
      (f) =>
        /^package\/(test|bench|reports|src|scripts|\.github)\//.test(f) ||
        // TypeScript only as declarations.
        /(?<!\.d)\.ts$/.test(f),
    );
    assert.deepEqual(unwanted, []);
    // tsx is a dev tool of this repository: an installed keystorm never starts a TS compiler.
    assert.equal(existsSync(join(projects.module, 'node_modules', 'tsx')), false);
  });

  for (const kind of ['commonjs', 'module'] as const) {
    it(`loads config and scenario files of every extension in a ${kind} project`, async () => {
      // Only .ts and .js change meaning with the package type; the ESM project checks those.
      for (const ext of kind === 'commonjs' ? EXTENSIONS : (['ts', 'js'] as const)) {
        const config = `matrix/${ext}/keystorm.config.${ext}`;
        // The installed bin itself (what npx runs), without npx's own start-up per file.
        const bin = join(projects[kind], 'node_modules', '.bin', 'keystorm');
        const result = await run(bin, ['list', '--json', '--config', config], projects[kind]);
        assert.equal(result.code, 0, result.output);
        // A config or scenario file that fails to load makes `list` warn and select nothing.
        assert.doesNotMatch(result.output, /config has problems/, `${config}:\n${result.output}`);
        const listed = JSON.parse(result.output) as { name: string; selected: boolean }[];
        const selected = listed.filter((s) => s.selected).map((s) => s.name);
        assert.deepEqual(selected, ['clock-skew'], config);
      }
    });

    it(`runs a ${kind} project's own scenario against its own service: exit 0 on a pass, 1 on a breach`, async () => {
      const dir = projects[kind];
      const pass = await run('npx', ['keystorm', 'run', '--out', 'reports/pass'], dir);
      assert.equal(pass.code, 0, pass.output);
      const passed = summary(dir, 'reports/pass');
      assert.deepEqual([passed.status, passed.exitCode], ['passed', 0]);
      assert.deepEqual(passed.scenarios, ['orders-accept-valid-tokens']);

      // The service now expects another audience: every valid token gets a 401.
      const breachArgs = ['keystorm', 'run', '--out', 'reports/breach', '--sut-env', 'AUDIENCE=someone-else'];
      const breach = await run('npx', breachArgs, dir);
      assert.equal(breach.code, 1, breach.output);
      const breached = summary(dir, 'reports/breach');
      assert.deepEqual([breached.status, breached.exitCode], ['failed', 1]);
      assert.ok(existsSync(join(dir, 'reports/breach/report.md')));
    });
  }

  it('plays the built-in baseline against the bundled example gateway from the installed package', async () => {
    const dir = projects.module;
    writeFiles(dir, { 'gateway/keystorm.config.mjs': EXAMPLE_GATEWAY_CONFIG });
    const args = ['keystorm', 'run', '--config', 'gateway/keystorm.config.mjs', '--time-scale', '0.25'];
    const result = await run('npx', [...args, '--out', 'reports/gateway'], dir);
    assert.equal(result.code, 0, result.output);
    const { status, scenarios } = summary(dir, 'reports/gateway');
    assert.deepEqual([status, scenarios], ['passed', ['baseline']]);
  });

  it('finds the built-in journey specs in the installed package, where they are compiled', async () => {
    const validate = join(
      projects.module,
      'node_modules',
      'keystorm',
      'dist',
      'src',
      'journeys',
      'validate.js',
    );
    const script = `import { resolveSpec } from ${JSON.stringify(pathToFileURL(validate).href)};
      for (const spec of ['scenarios/browser/ask-answer.spec.ts', 'scenarios/browser/sign-in-provider-down.spec.ts'])
        console.log(resolveSpec(spec));`;
    const found = (await succeed(process.execPath, ['--input-type=module', '-e', script], projects.module))
      .split('\n')
      .filter(Boolean);
    assert.equal(found.length, 2, found.join('\n'));
    for (const file of found) assert.ok(existsSync(file), `${file} does not exist`);
  });

  it("the action's scripts run the project's keystorm and hand back its exit code, status and report dir", async () => {
    const dir = projects.module;
    const outputs = join(work, 'github-output');
    const env = { GITHUB_OUTPUT: outputs, ACTION_PATH: ROOT, INSTALL_DEPENDENCIES: 'false' };
    const read = (): Record<string, string> =>
      Object.fromEntries(
        readFileSync(outputs, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
    writeFileSync(outputs, '');
    await succeed('bash', [join(ROOT, 'scripts/action/install.sh')], dir, 60_000, env);
    const { command } = read();
    assert.equal(command, 'npx --no-install keystorm');

    writeFileSync(outputs, '');
    const runEnv = {
      ...env,
      KEYSTORM_COMMAND: command,
      KEYSTORM_CONFIG: 'keystorm.config.mts',
      KEYSTORM_REPORTERS: 'console',
      KEYSTORM_SUT_ENV: 'AUDIENCE=someone-else\n',
      KEYSTORM_OUT: 'reports/action',
    };
    // The run step itself succeeds (so the summary and upload steps run); the code is an output.
    await succeed('bash', [join(ROOT, 'scripts/action/run.sh')], dir, 90_000, runEnv);
    assert.deepEqual(read(), {
      'exit-code': '1',
      status: 'failed',
      'report-dir': join(dir, 'reports/action'),
    });
    assert.ok(
      existsSync(join(dir, 'reports/action/report.md')),
      'markdown is always written for the job summary',
    );
  });

  it('gives a TypeScript user the types of keystorm/config and keystorm/scenario', async () => {
    const dir = projects.module;
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const compilerOptions = { module: 'nodenext', strict: true, noEmit: true, skipLibCheck: true, types: [] };
    const tsconfig = { compilerOptions, files: ['typed.mts'] };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const typed = (replicas: string): string =>
      `import { defineConfig } from 'keystorm/config';\nimport { defineScenario } from 'keystorm/scenario';\n` +
      `export const config = defineConfig({ sut: { url: 'http://127.0.0.1:1', replicas: ${replicas} } });\n` +
      `export const scenario = defineScenario({ name: 'x', hypothesis: 'y', load: { phases: [] }, slos: [] });\n`;
    writeFileSync(join(dir, 'typed.mts'), typed('2'));
    await succeed(process.execPath, [tsc, '-p', 'tsconfig.json'], dir);
    // The same file with a wrong type must fail: the types are real, not `any`.
    writeFileSync(join(dir, 'typed.mts'), typed("'two'"));
    const wrong = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], dir);
    assert.equal(wrong.code, 2, wrong.output);
    assert.match(wrong.output, /typed\.mts.*TS2322/);
  });
});

function summary(dir: string, out: string): { status: string; exitCode: number; scenarios: string[] } {
  const run = JSON.parse(readFileSync(join(dir, out, 'summary.json'), 'utf8')) as {
    status: string;
    exitCode: number;
    scenarios: { name: string }[];
  };
  return { status: run.status, exitCode: run.exitCode, scenarios: run.scenarios.map((s) => s.name) };
}

/** Files under these trees of the repository that are not TypeScript, relative to the root. */
function nonTypeScriptFiles(trees: string[]): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) return walk(path);
      return /\.[cm]?ts$/.test(entry.name) ? [] : [path];
    });
  return trees.flatMap(walk);
}
