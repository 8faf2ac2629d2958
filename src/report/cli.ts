/**
 * `keystorm report DIR [--compare OLD]`: re-renders report.html and report.md of a finished run
 * from its summary.json (reports can be regenerated after an upgrade, or for a run made
 * elsewhere), and with --compare adds what changed against an older run: verdicts, SLO verdicts
 * and the figures that moved. The comparison is also printed. Exit 0 when written, 2 when an
 * input is missing or not a keystorm result.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ExitCode, ValidationError } from '../errors.ts';
import { renderVerdictTable } from '../reporters/console.ts';
import { renderHtml } from '../reporters/html.ts';
import { renderMarkdown } from '../reporters/markdown.ts';
import { compareRuns } from './compare.ts';
import { loadRun } from './load-run.ts';
import { comparisonLines } from './text.ts';

const USAGE = `usage: keystorm report DIR [--compare OLD] [--out DIR]

Re-renders report.html and report.md of a run from its saved summary.json.

  DIR               a run's output directory (or its summary.json)
  --compare OLD     an older run's directory or summary.json: show which verdicts changed and
                    which figures moved (p95, unexpected share, JWKS fetches, time to recover …)
  --out DIR         write the reports here instead of next to the summary.json
  -h, --help        this help

exit codes: 0 reports written, 2 missing or invalid input`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      compare: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    console.log(USAGE);
    return ExitCode.ok;
  }
  if (positionals.length !== 1)
    throw new ValidationError('the command line', [
      { path: 'arguments', message: `expected one run directory, got ${positionals.length}\n\n${USAGE}` },
    ]);
  const { run, file } = await loadRun(positionals[0] ?? '');
  const comparison =
    values.compare === undefined ? undefined : compareRuns((await loadRun(values.compare)).run, run);
  const outDir = values.out ?? dirname(file);
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'report.html'), await renderHtml(run, comparison));
  await writeFile(join(outDir, 'report.md'), renderMarkdown(run, comparison));
  console.log(renderVerdictTable(run));
  if (comparison !== undefined) console.log(`\n${comparisonLines(comparison).join('\n')}`);
  console.log(`\nreport.html and report.md written to ${outDir}`);
  return ExitCode.ok;
}
