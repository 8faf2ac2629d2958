/**
 * The HTML of one scenario read as an incident review: summary, impact, detection, charts,
 * timeline, evidence, then the SLO verdicts and premises the verdict was judged on.
 */
import type { ScenarioResult } from '../result/types.ts';
import type { IncidentReview } from '../report/incident.ts';
import { bucketNote, evidenceRows, impactRows } from '../report/text.ts';
import type { Row } from '../report/text.ts';
import { formatDuration } from '../util/duration.ts';
import { observed } from './format.ts';

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function rowsTable(rows: readonly Row[]): string {
  return `<table class="facts">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
}

function offset(ms: number): string {
  return `${ms < 0 ? '−' : '+'}${formatDuration(Math.abs(ms))}`;
}

export function detectionHtml(review: IncidentReview): string {
  if (review.detection.length === 0)
    return '<p class="muted">No alert rules were verified in this scenario (see docs/alerts.md).</p>';
  const rows = review.detection
    .map(
      (d) =>
        `<tr class="${d.status === 'pass' ? 'pass' : d.status === 'fail' ? 'fail' : 'warn'}"><td>${esc(d.status)}</td><td>${esc(d.alert)}</td><td>${esc(d.expected)}</td>` +
        `<td>${d.fired ? 'fired' : 'silent'}</td><td>${d.pendingMs === undefined ? '–' : offset(d.pendingMs)}</td><td>${d.firingMs === undefined ? '–' : offset(d.firingMs)}</td>` +
        `<td>${d.timeToDetectMs === undefined ? '–' : esc(formatDuration(d.timeToDetectMs))}</td><td>${esc(d.reason)}</td></tr>`,
    )
    .join('');
  return `<table><thead><tr><th></th><th>alert</th><th>expected</th><th>observed</th><th>pending</th><th>firing</th><th>time to detect</th><th>note</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function timelineHtml(review: IncidentReview): string {
  const rows = review.timeline
    .map(
      (e) =>
        `<tr class="ev-${e.kind}${e.ok ? '' : ' fail'}"><td class="num">${offset(e.atMs)}</td><td>${esc(e.kind)}</td><td>${esc(e.what)}</td><td>${esc(e.detail?.split('\n')[0] ?? '')}</td></tr>`,
    )
    .join('');
  return `<table class="timeline"><thead><tr><th>offset</th><th>type</th><th>event</th><th>detail</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function sloTable(s: ScenarioResult): string {
  const rows = s.slos
    .map(
      (v) =>
        `<tr class="${v.status === 'n/a' ? 'na' : v.status}"><td>${v.status}</td><td><code>${esc(v.metric)} ${esc(v.expression)}</code>${v.strict ? '' : ' <em>warn-only</em>'}${v.failureMode === undefined ? '' : ` ${esc(v.failureMode)}`}</td>` +
        `<td>${esc(v.window)}</td><td>${esc(observed(v.metric, v.observed))}</td><td>${v.samples}</td><td>${esc(v.message ?? '')}</td></tr>`,
    )
    .join('');
  return `<table><thead><tr><th></th><th>SLO</th><th>window</th><th>observed</th><th>samples</th><th>note</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function premisesHtml(s: ScenarioResult): string {
  const items = s.preconditions
    .map(
      (p) =>
        `<li class="${p.met ? 'pass' : 'fail'}">${p.met ? 'held' : 'NOT MET'}: ${esc(p.premise)}${p.message === undefined ? '' : ` — ${esc(p.message)}`}</li>`,
    )
    .join('');
  const timings = Object.entries(s.timings ?? {});
  const journeys = (s.journeys ?? [])
    .map(
      (j) =>
        `<li class="${j.outcome === 'passed' ? 'pass' : 'fail'}">+${esc(formatDuration(j.atMs))} ${esc(j.journey)} ${esc(j.outcome)} (${esc(formatDuration(j.durationMs))})${j.failure === undefined ? '' : ` — ${esc(j.failure.split('\n')[0] ?? '')}`}</li>`,
    )
    .join('');
  return [
    items === ''
      ? ''
      : `<details${s.status === 'inconclusive' ? ' open' : ''}><summary>premises</summary><ul>${items}</ul></details>`,
    timings.length === 0
      ? ''
      : `<p>SUT timings used: ${timings.map(([n, t]) => `${esc(n)} ${esc(formatDuration(t.ms))} (${esc(t.source)})`).join(' · ')}</p>`,
    journeys === '' ? '' : `<details open><summary>browser journeys</summary><ul>${journeys}</ul></details>`,
  ].join('\n');
}

export function scenarioHtml(
  s: ScenarioResult,
  review: IncidentReview,
  index: number,
  hasChart: boolean,
): string {
  return `<section id="s${index}" class="scenario">
<h2 class="${s.status}">${esc(s.name)} <small>${esc(s.status)}</small></h2>
<p class="hypothesis">${esc(s.hypothesis)}</p>
<h3>Summary</h3><p class="summary">${esc(review.summary)}</p>
${s.error === undefined ? '' : `<p class="error">harness failure: ${esc(s.error)}</p>`}
<h3>Impact</h3>${rowsTable(impactRows(review.impact, bucketNote(s.chart?.bucketMs)))}
<h3>Detection</h3>${detectionHtml(review)}
${hasChart ? `<h3>Graphs</h3><div class="charts" id="charts${index}" data-index="${index}"></div>` : ''}
<h3>Timeline</h3>${timelineHtml(review)}
<h3>Evidence</h3>${rowsTable(evidenceRows(review.evidence))}
<h3>SLOs</h3>${sloTable(s)}
${premisesHtml(s)}
</section>`;
}
