// Runs every node:test suite under test/ through tsx. Node 20's --test does not expand globs,
// so the files are listed here; extra arguments (e.g. a path filter) narrow the set.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return findTests(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

// Arguments: substrings that select test files; `--exclude SUBSTRING` drops files (repeatable).
const args = process.argv.slice(2);
const filters = [];
const excludes = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--exclude') excludes.push(args[++i] ?? '');
  else filters.push(args[i]);
}
const files = findTests('test')
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .filter((file) => !excludes.some((x) => x !== '' && file.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no test files matched ${filters.join(' ') || 'test/**/*.test.ts'}`);
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    `--test-timeout=${process.env.TEST_TIMEOUT ?? '120000'}`,
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
