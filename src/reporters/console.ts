/**
 * Live progress and the final verdict table. On a TTY the progress line is redrawn in place; in
 * CI (no TTY) it prints a plain line every few seconds so logs stay readable.
 */
import type { RunResult, ScenarioResult, TimelineEntry } from '../result/types.ts';
import { tallyVerdicts } from '../result/types.ts';
import { formatDuration } from '../util/duration.ts';
import { ms, observed, pct, table } from './format.ts';
import type { ProgressSnapshot, Reporter, RunInfo } from './types.ts';

const PLAIN_PROGRESS_EVERY_MS = 5000;

export interface ConsoleReporterOptions {
  stream?: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Force TTY behaviour on or off (default: the stream's isTTY). */
  tty?: boolean;
}

export function createConsoleReporter(options: ConsoleReporterOptions = {}): Reporter {
  const out = options.stream ?? process.stderr;
  const tty = options.tty ?? ('isTTY' in out && out.isTTY === true);
  let lastPlainAt = Number.NEGATIVE_INFINITY;
  let lineOpen = false;
  const write = (text: string): void => {
    if (tty && lineOpen) out.write('\r\x1b[2K');
    lineOpen = false;
    out.write(text);
  };

  return {
    name: 'console',
    onBegin(info: RunInfo) {
      write(
        `keystorm: ${info.scenarios.length} scenario(s), seed ${info.seed}, time scale ${info.timeScale}, output ${info.outDir}\n`,
      );
    },
    onProgress(p: ProgressSnapshot) {
      const text =
        `[${p.index}/${p.total}] ${p.scenario} · ${p.phase} · ${formatDuration(p.elapsedMs)} · ` +
        `${p.requests} req · unexpected ${pct(p.errorRate)} · p95 ${ms(p.p95)}` +
        (p.activeFaults.length > 0 ? ` · faults: ${p.activeFaults.join(', ')}` : '');
      if (tty) {
        out.write(
          `\r\x1b[2K${text.slice(0, Math.max(20, ('columns' in out ? (out.columns ?? 120) : 120) - 1))}`,
        );
        lineOpen = true;
      } else if (p.elapsedMs - lastPlainAt >= PLAIN_PROGRESS_EVERY_MS || p.elapsedMs < lastPlainAt) {
        lastPlainAt = p.elapsedMs;
        out.write(`${text}\n`);
      }
    },
    onEvent(scenario: string, entry: TimelineEntry) {
      const mark = entry.ok ? '·' : '!';
      write(
        `  ${mark} ${scenario} +${formatDuration(entry.atMs)} ${entry.what}${entry.detail ? ` (${entry.detail})` : ''}\n`,
      );
    },
    onScenarioEnd(s: ScenarioResult) {
      lastPlainAt = Number.NEGATIVE_INFINITY;
      const verdict = s.status === 'passed' ? 'PASS' : s.status.toUpperCase();
      if (s.status === 'skipped') {
        write(`${verdict.padEnd(12)} ${s.name} — ${s.skipReason ?? ''}\n`);
        return;
      }
      const judged = s.slos.filter((v) => v.status !== 'n/a');
      const met = judged.filter((v) => v.status !== 'fail').length;
      const unmet = s.preconditions.filter((p) => !p.met);
      write(
        `${verdict.padEnd(12)} ${s.name} (${formatDuration(s.durationMs)}, ${s.load.requests} req, ` +
          `${met}/${judged.length} SLOs met)${s.error ? ` — harness failure: ${s.error}` : ''}\n`,
      );
      for (const p of unmet) write(`             premise not met: ${p.premise} — ${p.message ?? ''}\n`);
    },
    onEnd(run: RunResult, info: RunInfo) {
      write(`\n${renderVerdictTable(run)}\n`);
      const t = tallyVerdicts(run);
      write(
        `\n${run.status.toUpperCase()}: ${t.pass} met, ${t.fail} breached, ${t.warn} warned, ${t['n/a']} not applicable ` +
          `across ${run.scenarios.length} scenario(s) in ${formatDuration(run.durationMs)} (time scale ${run.timeScale}; ` +
          `times are run time) — reports in ${info.outDir}\n`,
      );
    },
  };
}

/** The end-of-run table: one row per SLO that did not pass, or a line per passing scenario. */
export function renderVerdictTable(run: RunResult): string {
  const rows: string[][] = [];
  for (const s of run.scenarios) {
    const notPassed = s.slos.filter((v) => v.status !== 'pass' && v.status !== 'n/a');
    if (s.status === 'skipped') {
      rows.push([s.name, 'skipped', '', '', s.skipReason ?? '']);
      continue;
    }
    // The cause of a harness failure is printed on its own line at the end of the run.
    if (s.error !== undefined) rows.push([s.name, s.status, 'harness failure (see below)', '', '']);
    for (const p of s.preconditions.filter((x) => !x.met))
      rows.push([
        s.name,
        'inconclusive',
        `premise: ${p.premise}`,
        p.observed === null ? '–' : String(p.observed),
        '',
      ]);
    if (notPassed.length === 0 && s.error === undefined && s.status === 'passed') {
      rows.push([
        s.name,
        s.status,
        `all ${s.slos.filter((v) => v.status === 'pass').length} SLOs met`,
        '',
        '',
      ]);
    }
    for (const v of notPassed) {
      rows.push([
        s.name,
        v.status,
        `${v.metric} ${v.expression} @ ${v.window}`,
        observed(v.metric, v.observed),
        v.message ?? '',
      ]);
    }
  }
  return table(['scenario', 'verdict', 'SLO', 'observed', 'note'], rows);
}
