#!/usr/bin/env node
// Entry point for the `keystorm` binary. The installed package runs the compiled JavaScript in
// dist/ (no TypeScript compiler at start). A checkout of the repository has the sources and no
// build step: there tsx (a dev dependency) runs src/ as it is, so `npm ci && npx keystorm run`
// works on a fresh clone and always runs the code being edited.
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// `keystorm load` keeps V8's young generation at its initial size (see src/load/cli-memory.ts:
// the flag V8 honours at run time). Set first, before loading tsx or the CLI grows it.
if (process.argv[2] === 'load') setFlagsFromString('--semi-space-growth-factor=1');

const sources = new URL('../src/cli.ts', import.meta.url);
let cli;
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(sources.href);
} else {
  cli = await import('../dist/src/cli.js');
}
process.exitCode = await cli.main(process.argv.slice(2));
