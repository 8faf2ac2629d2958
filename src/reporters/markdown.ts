/** report.md: a readable report for PR comments and job summaries ($GITHUB_STEP_SUMMARY). */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult, ScenarioResult } from '../scenario/result.ts';
import { tallyVerdicts } from '../scenario/result.ts';
import { formatDuration } from '../util/duration.ts';
import { ms, observed, pct } from './format.ts';
import type { Reporter } from './types.ts';

const ICON = { pass: '✅', fail: '❌', warn: '⚠️' } as const;

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function scenarioSection(s: ScenarioResult): string {
  const unexpectedRate = s.load.requests === 0 ? null : s.load.unexpected / s.load.requests;
  const lines = [
    `### ${s.status === 'passed' ? ICON.pass : ICON.fail} ${s.name}`,
    '',
    `> ${s.hypothesis}`,
    '',
    `Covers ${s.covers.join(', ') || '–'} · ${formatDuration(s.durationMs)} · ${s.load.requests} requests · ` +
      `unexpected ${pct(unexpectedRate)} · p95 ${ms(s.load.corrected.p95)} (uncorrected ${ms(s.load.uncorrected.p95)}) · ` +
      `JWKS fetches ${s.idp.jwksFetches} (peak concurrent ${s.idp.peakConcurrentJwksFetches})`,
    '',
  ];
  if (s.error !== undefined) lines.push(`**Error:** ${escapeCell(s.error)}`, '');
  const counters = Object.entries(s.sutCounters ?? {});
  if (counters.length > 0) {
    lines.push(`SUT counters: ${counters.map(([name, n]) => `\`${name}\` +${n}`).join(' · ')}`, '');
  }
  lines.push('| | SLO | window | observed | samples | note |', '|---|---|---|---|---|---|');
  for (const v of s.slos) {
    lines.push(
      `| ${ICON[v.status]} | \`${v.metric} ${escapeCell(v.expression)}\`${v.strict ? '' : ' (warn-only)'} | ${escapeCell(v.window)} | ` +
        `${observed(v.metric, v.observed)} | ${v.samples} | ${escapeCell(v.message ?? '')} |`,
    );
  }
  return lines.join('\n');
}

export function renderMarkdown(run: RunResult): string {
  const t = tallyVerdicts(run);
  const head = [
    `# keystorm: ${run.status.toUpperCase()}`,
    '',
    `${run.scenarios.length} scenario(s) · ${t.pass} SLOs met · ${t.fail} breached · ${t.warn} warned · ` +
      `${formatDuration(run.durationMs)} · seed ${run.seed} · time scale ${run.timeScale} · SUT: ${escapeCell(run.sut.description)} ` +
      `(${run.sut.replicas} replica${run.sut.replicas === 1 ? '' : 's'})`,
    '',
    '| scenario | verdict | SLOs met | requests | p95 | JWKS fetches |',
    '|---|---|---|---|---|---|',
    ...run.scenarios.map(
      (s) =>
        `| ${s.name} | ${s.status} | ${s.slos.filter((v) => v.status === 'pass').length}/${s.slos.length} | ` +
        `${s.load.requests} | ${ms(s.load.corrected.p95)} | ${s.idp.jwksFetches} |`,
    ),
    '',
  ];
  return [...head, ...run.scenarios.map(scenarioSection)].join('\n') + '\n';
}

export function createMarkdownReporter(): Reporter {
  return {
    name: 'markdown',
    async onEnd(run, info) {
      await writeFile(join(info.outDir, 'report.md'), renderMarkdown(run));
    },
  };
}
