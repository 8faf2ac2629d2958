// Compiles the TypeScript sources into dist/ (ESM JavaScript and .d.ts) for the published
// package. `npm pack` and `npm publish` run it (the `prepack` script); a checkout of the
// repository does not need it, because bin/keystorm.mjs runs the sources there through tsx.
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const at = (path) => fileURLToPath(new URL(`../${path}`, import.meta.url));
// A clean tree: a file deleted from the sources must not linger in the package.
rmSync(at('dist'), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
if (result.status !== 0) process.exit(result.status ?? 1);

// Files the code reads at run time next to itself (a demo page's static assets, …): everything
// in the compiled trees that is not TypeScript.
// `alerts/` holds the shipped Prometheus rules that alert verification reads (src/alerts finds
// them at ../../alerts from its own file, in the sources and in dist alike).
for (const tree of ['src', 'mock-idp', 'scenarios', 'examples', 'alerts']) {
  for (const file of walk(at(tree))) {
    if (!/\.[cm]?ts$/.test(file)) cpSync(file, join(at('dist'), relative(root, file)));
  }
}

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}
