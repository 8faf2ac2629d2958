import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { importDefault } from '../../src/config/user-module.ts';

describe('importDefault', () => {
  let dir: string;
  before(async () => {
    // Nested, so that the path relative to the cwd never happens to resolve from the file's own
    // directory too.
    dir = join(await mkdtemp(join(tmpdir(), 'keystorm-user-module-')), 'a', 'b', 'c');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'drill.ts'), "export default { name: 'from-ts' as string };\n");
    await writeFile(join(dir, 'drill.mjs'), "export default { name: 'from-mjs' };\n");
  });
  after(() => rm(join(dir, '..', '..', '..'), { recursive: true, force: true }));

  it('loads a TypeScript or JavaScript file named relative to the current directory', async () => {
    for (const [file, name] of [
      ['drill.ts', 'from-ts'],
      ['drill.mjs', 'from-mjs'],
    ] as const) {
      const path = `./${relative(process.cwd(), join(dir, file))}`;
      assert.deepEqual(await importDefault(path), { name }, path);
    }
  });
});
