/** summary.json: the RunResult as is — the stable, machine-readable record of a run. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult } from '../result/types.ts';
import type { Reporter } from './types.ts';

/** An array of numbers (and nulls) as JSON.stringify indents it: one element per line. */
const NUMBER_ARRAY = /\[\s*((?:-?[\d.eE+-]+|null)(?:,\s*(?:-?[\d.eE+-]+|null))*)\s*\]/g;

/**
 * Indented JSON with number arrays kept on one line: the chart series hold thousands of numbers,
 * which one-per-line would make several times larger and unreadable.
 */
export function summaryJson(run: RunResult): string {
  return `${JSON.stringify(run, null, 2).replace(NUMBER_ARRAY, (_, items: string) => `[${items.replace(/\s+/g, '')}]`)}\n`;
}

export function createJsonReporter(): Reporter {
  return {
    name: 'json',
    async onEnd(run, info) {
      await writeFile(join(info.outDir, 'summary.json'), summaryJson(run));
    },
  };
}
