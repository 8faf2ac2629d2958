// Compiles the TypeScript sources into dist/ (ESM JavaScript and .d.ts) for the published
// package. `npm pack` and `npm publish` run it (the `prepack` script); a checkout of the
// repository does not need it, because bin/keystorm.mjs runs the sources there through tsx.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// A clean tree: a file deleted from the sources must not linger in the package.
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
