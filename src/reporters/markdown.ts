/**
 * report.md: a readable report for PR comments and job summaries ($GITHUB_STEP_SUMMARY), with
 * the same overview and, per scenario, the same summary, impact, detection, timeline and
 * evidence as report.html, in text.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult, ScenarioResult } from '../result/types.ts';
import { tallyVerdicts } from '../result/types.ts';
import type { Comparison } from '../report/compare.ts';
import type { IncidentReview } from '../report/incident.ts';
import { reviewScenario } from '../report/incident.ts';
import { overviewRows, shownColumns } from '../report/overview.ts';
import { bucketNote, comparisonLines, evidenceRows, impactRows } from '../report/text.ts';
import type { Row } from '../report/text.ts';
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

function factLines(rows: readonly Row[]): string[] {
  return [...rows.map(([k, v]) => `- ${k}: ${escapeCell(v)}`), ''];
}

function offset(ms: number): string {
  return `${ms < 0 ? '−' : '+'}${formatDuration(Math.abs(ms))}`;
}

/** Summary, impact, detection, timeline and evidence: the incident review in text. */
function reviewLines(s: ScenarioResult, review: IncidentReview): string[] {
  if (s.status === 'skipped') return [`**Summary.** ${review.summary}`, ''];
  const lines = [
    `**Summary.** ${review.summary}`,
    '',
    '**Impact**',
    '',
    ...factLines(impactRows(review.impact, bucketNote(s.chart?.bucketMs))),
    '**Detection**',
    '',
  ];
  if (review.detection.length === 0) lines.push('No alert rules were verified in this scenario.', '');
  for (const d of review.detection)
    lines.push(
      `- ${d.alert} (${d.status}, expected ${d.expected}): ${d.fired ? 'fired' : 'silent'}` +
        (d.pendingMs === undefined ? '' : `, pending ${offset(d.pendingMs)}`) +
        (d.firingMs === undefined ? '' : `, firing ${offset(d.firingMs)}`) +
        (d.timeToDetectMs === undefined ? '' : `, time to detect ${formatDuration(d.timeToDetectMs)}`) +
        ` — ${escapeCell(d.reason)}`,
    );
  if (review.detection.length > 0) lines.push('');
  lines.push(
    '**Timeline** (run time since the load started)',
    '',
    '| offset | type | event | detail |',
    '|---|---|---|---|',
  );
  for (const e of review.timeline)
    lines.push(
      `| ${offset(e.atMs)} | ${e.kind} | ${e.ok ? '' : '❗ '}${escapeCell(e.what)} | ${escapeCell(e.detail?.split('\n')[0] ?? '')} |`,
    );
  lines.push('', '**Evidence**', '', ...factLines(evidenceRows(review.evidence)));
  return lines;
}

function scenarioSection(s: ScenarioResult): string {
  const unexpectedRate = s.load.requests === 0 ? null : s.load.unexpected / s.load.requests;
  const lines = [
    `### ${SCENARIO_ICON[s.status]} ${s.name} (${s.status})`,
    '',
    `> ${s.hypothesis}`,
    '',
    ...reviewLines(s, reviewScenario(s)),
    `Covers ${s.covers.join(', ') || '–'} · ${formatDuration(s.durationMs)} · ${s.load.requests} requests · ` +
      `unexpected ${pct(unexpectedRate)} · p95 ${ms(s.load.corrected.p95)} (uncorrected ${ms(s.load.uncorrected.p95)}) · ` +
      `JWKS fetches ${s.idp.jwksFetches} (peak concurrent ${s.idp.peakConcurrentJwksFetches})`,
    '',
  ];
  if (s.error !== undefined) lines.push(`**Harness failure:** ${escapeCell(s.error)}`, '');
  if (s.skipReason !== undefined) lines.push(`**Skipped:** ${escapeCell(s.skipReason)}`, '');
  lines.push(...premiseLines(s), ...timingLines(s), ...alertLines(s), ...journeyLines(s));
  if (s.slos.length > 0)
    lines.push('| | SLO | window | observed | samples | note |', '|---|---|---|---|---|---|');
  for (const v of s.slos) {
    lines.push(
      `| ${ICON[v.status]} | \`${v.metric} ${escapeCell(v.expression)}\`${v.strict ? '' : ' (warn-only)'}${v.failureMode === undefined ? '' : ` ${v.failureMode}`} | ${escapeCell(v.window)} | ` +
        `${observed(v.metric, v.observed)} | ${v.samples} | ${escapeCell(v.message ?? '')} |`,
    );
  }
  lines.push('');
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

function alertLines(s: ScenarioResult): string[] {
  const alerts = s.alerts ?? [];
  if (alerts.length === 0) return [];
  return [
    '| | alert | expected | observed | time to detect | note |',
    '|---|---|---|---|---|---|',
    ...alerts.map(
      (a) =>
        `| ${a.status} | ${a.alert} | ${a.expected} | ${a.fired ? 'fired' : 'silent'} | ` +
        `${a.timeToDetectMs === undefined ? '–' : formatDuration(a.timeToDetectMs)} | ${escapeCell(a.reason)} |`,
    ),
    '',
  ];
}

function journeyLines(s: ScenarioResult): string[] {
  const runs = s.journeys ?? [];
  if (runs.length === 0) return [];
  return [
    'Browser journeys:',
    ...runs.map(
      (j) =>
        `- +${formatDuration(j.atMs)} ${j.journey} **${j.outcome}** (${formatDuration(j.durationMs)})` +
        (j.failure === undefined ? '' : `: ${escapeCell(j.failure.split('\n')[0] ?? '')}`),
    ),
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

/** The run overview: scenario × verdict, with what made each verdict named. */
function overviewLines(run: RunResult): string[] {
  const rows = overviewRows(run);
  const columns = shownColumns(rows);
  return [
    `| scenario | ${columns.join(' | ')} | breached SLOs · unmet premises |`,
    `|---|${columns.map(() => ':-:').join('|')}|---|`,
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${columns.map((c) => (c === r.status ? SCENARIO_ICON[c] : '')).join(' | ')} | ` +
        `${r.causes.map(escapeCell).join('<br>')} |`,
    ),
    '',
  ];
}

function comparisonSection(c: Comparison): string[] {
  return [
    '## Compared with the previous run',
    '',
    ...comparisonLines(c).map((l) => `- ${escapeCell(l)}`),
    '',
  ];
}

export function renderMarkdown(run: RunResult, comparison?: Comparison): string {
  const t = tallyVerdicts(run);
  const head = [
    `# keystorm: ${run.status.toUpperCase()}`,
    '',
    `${run.scenarios.length} scenario(s) · ${t.pass} SLOs met · ${t.fail} breached · ${t.warn} warned · ${t['n/a']} not applicable · ` +
      `${formatDuration(run.durationMs)} · seed ${run.seed} · time scale ${run.timeScale} · SUT: ${escapeCell(run.sut.description)} ` +
      `(${run.sut.replicas} replica${run.sut.replicas === 1 ? '' : 's'}); every offset is run time since the scenario's load started`,
    '',
    ...overviewLines(run),
    ...(comparison === undefined ? [] : comparisonSection(comparison)),
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
