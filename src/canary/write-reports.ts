/**
 * Writes the canary's report files (summary.json, report.md, junit.xml) for the reporters the
 * config selects. A report that cannot be written is said on stderr and does not hide the verdict.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CanaryReporterName } from './config.ts';
import { renderCanaryJunit } from './report-junit.ts';
import { renderCanaryMarkdown } from './report-markdown.ts';
import type { CanaryResult } from './result.ts';

const FILES: Partial<Record<CanaryReporterName, { file: string; render: (r: CanaryResult) => string }>> = {
  json: { file: 'summary.json', render: (r) => `${JSON.stringify(r, null, 2)}\n` },
  markdown: { file: 'report.md', render: renderCanaryMarkdown },
  junit: { file: 'junit.xml', render: renderCanaryJunit },
};

/** Returns the files written. */
export async function writeCanaryReports(
  result: CanaryResult,
  outDir: string,
  reporters: readonly CanaryReporterName[],
): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const name of reporters) {
    const spec = FILES[name];
    if (spec === undefined) continue;
    const path = join(outDir, spec.file);
    try {
      await writeFile(path, spec.render(result));
      written.push(path);
    } catch (error) {
      process.stderr.write(`keystorm: could not write ${path}: ${(error as Error).message}\n`);
    }
  }
  return written;
}
