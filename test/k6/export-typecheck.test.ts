/**
 * Every built-in scenario, exported with the repository's own config, type-checks against
 * `@types/k6` with a real `tsc --noEmit` over the output directory and the tsconfig the export
 * writes there — the check a user runs, since k6 strips types without checking them. No k6 binary
 * exists on these machines (no Debian package; npm's `k6` is an empty placeholder), so the
 * scripts are type-checked here, never run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFile, copyFile, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { writeK6Scripts } from '../../src/k6/export/index.ts';
import { BUILT_IN_SCENARIOS } from '../../scenarios/index.ts';
import { SCENARIO } from './export-fixture.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
let out: string;
let written: string[];

/** `tsc -p dir` as a user runs it in a project with @types/k6 installed (node_modules linked). */
function typecheck(dir: string): { status: number | null; output: string } {
  const ran = spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8', timeout: 120_000 });
  return { status: ran.status, output: `${ran.stdout}${ran.stderr}` };
}

before(async () => {
  out = await mkdtemp(join(tmpdir(), 'keystorm-k6-typecheck-'));
  await symlink(join(repo, 'node_modules'), join(out, 'node_modules'), 'dir');
  // Plus a drill with every phase kind, token source and threshold form (abortOnFail objects …).
  const fixture = join(out, 'mapping-drill.json');
  await writeFile(fixture, JSON.stringify(SCENARIO));
  written = await writeK6Scripts([...BUILT_IN_SCENARIOS.map((s) => s.name), fixture], {
    cwd: repo,
    outDir: out,
    configPath: 'keystorm.config.ts',
  });
});
after(async () => {
  await rm(out, { recursive: true, force: true });
});

describe('k6 export: generated scripts against @types/k6', () => {
  it('writes a script, a TestRun, a README and a tsconfig for every built-in scenario', async () => {
    assert.equal(written.length, BUILT_IN_SCENARIOS.length + 1);
    const files = await readdir(out);
    for (const s of BUILT_IN_SCENARIOS) {
      assert.ok(files.includes(`${s.name}.ts`), s.name);
      assert.ok(files.includes(`${s.name}.testrun.yaml`), s.name);
    }
    assert.ok(files.includes('tsconfig.json') && files.includes('README.md'));
  });

  it('type-checks every script with tsc --noEmit and the generated tsconfig', () => {
    const { status, output } = typecheck(out);
    assert.equal(status, 0, output);
  });

  it('fails the same check on a script with a type error (the check can fail)', async () => {
    const broken = await mkdtemp(join(tmpdir(), 'keystorm-k6-broken-'));
    try {
      await symlink(join(repo, 'node_modules'), join(broken, 'node_modules'), 'dir');
      await copyFile(join(out, 'tsconfig.json'), join(broken, 'tsconfig.json'));
      await copyFile(join(out, 'baseline.ts'), join(broken, 'baseline.ts'));
      await appendFile(join(broken, 'baseline.ts'), "\nhttp.get(42, { tags: { kind: 'x' } });\n");
      const { status, output } = typecheck(broken);
      assert.notEqual(status, 0);
      assert.match(output, /baseline\.ts.*error TS/);
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});
