/** summary.json: the RunResult as is — the stable, machine-readable record of a run. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Reporter } from './types.ts';

export function createJsonReporter(): Reporter {
  return {
    name: 'json',
    async onEnd(run, info) {
      await writeFile(join(info.outDir, 'summary.json'), `${JSON.stringify(run, null, 2)}\n`);
    },
  };
}
