/**
 * `npm run bench`: runs every bench in turn, each in its own process (so one's memory and JIT
 * state never colour the next), then reads each bench's JSON result and writes
 * bench/results/summary.json: which targets each bench met, with the load average around it.
 * A run of some benches (`--only`) updates their entries and keeps the others', each entry
 * dated, so the summary always covers every bench.
 *
 *   npm run bench [-- --quick] [-- --only load-throughput,load-memory]
 *
 * `--quick` gives every bench short settings (about two minutes in all instead of ~15): for a
 * smoke run, not for the figures in bench/README.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));

interface Bench {
  name: string;
  /** Its result file in bench/results. */
  result: string;
  quick: string[];
}

const BENCHES: readonly Bench[] = [
  { name: 'jwks-throughput', result: 'jwks-throughput.json', quick: ['--duration', '1', '--rounds', '1'] },
  { name: 'token-mint', result: 'token-mint.json', quick: ['--duration', '1', '--rounds', '1'] },
  { name: 'proxy-overhead', result: 'proxy-overhead.json', quick: ['--duration', '2'] },
  {
    name: 'scheduler-strategies',
    result: 'scheduler-strategies.json',
    quick: ['--seconds', '1', '--rounds', '1'],
  },
  { name: 'load-throughput', result: 'load-throughput.json', quick: ['--seconds', '1', '--rounds', '1'] },
  { name: 'load-memory', result: 'load-memory.json', quick: ['--requests', '20000'] },
];

/**
 * The targets a result says it met, whatever shape the bench wrote them in: a `targets` list
 * of `{ name, met }`, a `verdict` or `targets.met` object of booleans, or one `met` boolean.
 */
export function targetsOf(result: unknown): Record<string, boolean> {
  const r = result as {
    targets?: unknown;
    verdict?: Record<string, unknown>;
    met?: unknown;
  };
  const out: Record<string, boolean> = {};
  if (Array.isArray(r.targets)) {
    for (const t of r.targets as { name?: unknown; met?: unknown }[]) {
      if (typeof t.name === 'string' && typeof t.met === 'boolean') out[t.name] = t.met;
    }
  } else if (typeof r.targets === 'object' && r.targets !== null) {
    const met = (r.targets as { met?: Record<string, unknown> }).met ?? {};
    for (const [k, v] of Object.entries(met)) if (typeof v === 'boolean') out[k] = v;
  }
  for (const [k, v] of Object.entries(r.verdict ?? {})) if (typeof v === 'boolean') out[k] = v;
  if (Object.keys(out).length === 0 && typeof r.met === 'boolean') out.met = r.met;
  return out;
}

/**
 * The entries of an earlier summary, each dated (an entry from before entries carried dates
 * gets its file's date); none when there is no readable summary.
 */
export function previousEntries(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  try {
    const old = JSON.parse(readFileSync(file, 'utf8')) as { date?: unknown; benches?: unknown };
    if (typeof old.benches !== 'object' || old.benches === null) return {};
    const entries: Record<string, unknown> = {};
    for (const [name, entry] of Object.entries(old.benches as Record<string, Record<string, unknown>>)) {
      entries[name] = { date: old.date, ...entry };
    }
    return entries;
  } catch {
    return {};
  }
}

function main(): number {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, only: { type: 'string' } } });
  const only = values.only?.split(',').map((s) => s.trim());
  const unknown = only?.filter((n) => !BENCHES.some((b) => b.name === n)) ?? [];
  if (unknown.length > 0) {
    console.error(
      `--only: unknown bench ${unknown.join(', ')} (known: ${BENCHES.map((b) => b.name).join(', ')})`,
    );
    return 2;
  }
  const summaryFile = join(here, 'results', 'summary.json');
  const summary = previousEntries(summaryFile);
  let failed = 0;
  for (const bench of BENCHES.filter((b) => only === undefined || only.includes(b.name))) {
    const args = [
      '--import',
      'tsx',
      join(here, `${bench.name}.ts`),
      ...(values.quick === true ? bench.quick : []),
    ];
    console.log(`\n== ${bench.name} ${args.slice(3).join(' ')}`);
    const loadBefore = loadavg();
    const started = performance.now();
    const ran = spawnSync(process.execPath, args, { stdio: 'inherit' });
    const file = join(here, 'results', bench.result);
    const result: unknown = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
    if (ran.status !== 0) failed++;
    summary[bench.name] = {
      date: new Date().toISOString(),
      exitCode: ran.status,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      loadavgBefore: loadBefore,
      loadavgAfter: loadavg(),
      quick: values.quick === true,
      targets: ran.status === 0 && result !== undefined ? targetsOf(result) : {},
    };
  }
  mkdirSync(join(here, 'results'), { recursive: true });
  const out = { date: new Date().toISOString(), node: process.version, benches: summary };
  writeFileSync(summaryFile, `${JSON.stringify(out, null, 2)}\n`);
  console.log('\n== targets');
  for (const [name, s] of Object.entries(summary)) {
    const { exitCode, targets } = s as { exitCode: number | null; targets: Record<string, boolean> };
    const list = Object.entries(targets).map(([t, met]) => `${met ? 'met' : 'NOT met'}: ${t}`);
    console.log(
      `${name}${exitCode === 0 ? '' : ` (exit ${String(exitCode)})`}\n  ${list.join('\n  ') || '(no result)'}`,
    );
  }
  return failed > 0 ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main();
