/** report.md: a readable report for PR comments and job summaries ($GITHUB_STEP_SUMMARY). */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult, ScenarioResult } from '../result/types.ts';
import { tallyVerdicts } from '../result/types.ts';
import { formatDuration } from '../util/duration.ts';
import { ms, observed, pct } from './format.ts';
import type { Reporter } from './types.ts';

const ICON = { pass: '✅', fail: '❌', warn: '⚠️', 'n/a': '➖' } as const;
const SCENARIO_ICON: Record<ScenarioResult['status'], string> = {
  passed: '✅',
  failed: '❌',
  inconclusive: '❔',
  skipped: '⏭️',
  error: '💥',
  interrupted: '⏹️',
};

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function scenarioSection(s: ScenarioResult): string {
  const unexpectedRate = s.load.requests === 0 ? null : s.load.unexpected / s.load.requests;
  const lines = [
    `### ${SCENARIO_ICON[s.status]} ${s.name} (${s.status})`,
    '',
    `> ${s.hypothesis}`,
    '',
    `Covers ${s.covers.join(', ') || '–'} · ${formatDuration(s.durationMs)} · ${s.load.requests} requests · ` +
      `unexpected ${pct(unexpectedRate)} · p95 ${ms(s.load.corrected.p95)} (uncorrected ${ms(s.load.uncorrected.p95)}) · ` +
      `JWKS fetches ${s.idp.jwksFetches} (peak concurrent ${s.idp.peakConcurrentJwksFetches})`,
    '',
  ];
  if (s.error !== undefined) lines.push(`**Harness failure:** ${escapeCell(s.error)}`, '');
  if (s.skipReason !== undefined) lines.push(`**Skipped:** ${escapeCell(s.skipReason)}`, '');
  lines.push(...premiseLines(s), ...timingLines(s));
  const counters = Object.entries(s.sutCounters ?? {});
  if (counters.length > 0) {
    lines.push(`SUT counters: ${counters.map(([name, n]) => `\`${name}\` +${n}`).join(' · ')}`, '');
  }
  if (s.slos.length > 0)
    lines.push('| | SLO | window | observed | samples | note |', '|---|---|---|---|---|---|');
  for (const v of s.slos) {
    lines.push(
      `| ${ICON[v.status]} | \`${v.metric} ${escapeCell(v.expression)}\`${v.strict ? '' : ' (warn-only)'}${v.failureMode === undefined ? '' : ` ${v.failureMode}`} | ${escapeCell(v.window)} | ` +
        `${observed(v.metric, v.observed)} | ${v.samples} | ${escapeCell(v.message ?? '')} |`,
    );
  }
  return lines.join('\n');
}

/** The premises, with the unmet ones spelled out: they say why a verdict is inconclusive. */
function premiseLines(s: ScenarioResult): string[] {
  if (s.preconditions.length === 0) return [];
  const unmet = s.preconditions.filter((p) => !p.met);
  if (unmet.length === 0) return [`Premises: all ${s.preconditions.length} held.`, ''];
  return [
    `**Inconclusive — premise${unmet.length > 1 ? 's' : ''} not met** (the SLOs below prove nothing):`,
    ...unmet.map((p) => `- ${escapeCell(p.premise)}: ${escapeCell(p.message ?? 'not met')}`),
    '',
  ];
}

function timingLines(s: ScenarioResult): string[] {
  const used = Object.entries(s.timings ?? {});
  const omitted = s.omittedKinds ?? [];
  const lines: string[] = [];
  if (used.length > 0)
    lines.push(
      `SUT timings used: ${used.map(([name, t]) => `${name} ${formatDuration(t.ms)} (${t.source})`).join(' · ')}`,
      '',
    );
  if (omitted.length > 0)
    lines.push(`Not sent: ${omitted.map((k) => `\`${k.kind}\` (${escapeCell(k.reason)})`).join(' · ')}`, '');
  return lines;
}

export function renderMarkdown(run: RunResult): string {
  const t = tallyVerdicts(run);
  const head = [
    `# keystorm: ${run.status.toUpperCase()}`,
    '',
    `${run.scenarios.length} scenario(s) · ${t.pass} SLOs met · ${t.fail} breached · ${t.warn} warned · ${t['n/a']} not applicable · ` +
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
