/**
 * report.html: one self-contained page (uPlot inlined, no network needed) that reads like an
 * incident review: the run overview (scenario × verdict, with the breached SLOs and unmet
 * premises named), the comparison with a previous run when given, then per scenario its summary,
 * impact, detection, graphs, timeline and evidence. Charts are drawn lazily as they scroll into
 * view, so a 16-scenario report opens at once.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { RunResult } from '../result/types.ts';
import { tallyVerdicts } from '../result/types.ts';
import { chartData } from '../report/chart-data.ts';
import type { Comparison } from '../report/compare.ts';
import { reviewScenario } from '../report/incident.ts';
import { overviewRows, shownColumns } from '../report/overview.ts';
import { figureValue } from '../report/text.ts';
import { formatDuration } from '../util/duration.ts';
import { CHART_SCRIPT } from './html-charts.ts';
import { esc, scenarioHtml } from './html-review.ts';
import type { Reporter } from './types.ts';

const require = createRequire(import.meta.url);

async function uplotAssets(): Promise<{ js: string; css: string }> {
  const dist = join(dirname(require.resolve('uplot')), '..', 'dist');
  const [js, css] = await Promise.all([
    readFile(join(dist, 'uPlot.iife.min.js'), 'utf8'),
    readFile(join(dist, 'uPlot.min.css'), 'utf8'),
  ]);
  return { js, css };
}

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function overviewHtml(run: RunResult): string {
  const rows = overviewRows(run);
  const columns = shownColumns(rows);
  const body = rows
    .map(
      (r, i) =>
        `<tr><td><a href="#s${i}">${esc(r.scenario)}</a></td>${columns
          .map(
            (c) => `<td class="cell ${c === r.status ? `hit ${c}` : ''}">${c === r.status ? '●' : ''}</td>`,
          )
          .join('')}<td>${r.causes.map((c) => esc(c)).join('<br>')}</td></tr>`,
    )
    .join('');
  return `<table class="overview"><thead><tr><th>scenario</th>${columns.map((c) => `<th>${c}</th>`).join('')}<th>breached SLOs · unmet premises</th></tr></thead><tbody>${body}</tbody></table>`;
}

export function comparisonHtml(c: Comparison): string {
  const verdicts = c.verdicts
    .map(
      (v) =>
        `<tr><td>${esc(v.scenario)}</td><td>${esc(v.from)}</td><td class="${esc(v.to)}">${esc(v.to)}</td></tr>`,
    )
    .join('');
  const slos = c.slos
    .map(
      (s) =>
        `<tr><td>${esc(s.scenario)}</td><td><code>${esc(s.slo)}</code></td><td>${esc(s.from)}</td><td>${esc(s.to)}</td></tr>`,
    )
    .join('');
  const figures = c.figures
    .map(
      (f) =>
        `<tr class="${f.worse ? 'fail' : 'pass'}"><td>${f.worse ? 'worse' : 'better'}</td><td>${esc(f.scenario)}</td><td>${esc(f.figure)}</td><td>${esc(figureValue(f.unit, f.from))}</td><td>${esc(figureValue(f.unit, f.to))}</td></tr>`,
    )
    .join('');
  return `<section id="compare"><h2>Compared with the previous run</h2>
<p>Previous run ${esc(c.old.startedAt)} (${esc(c.old.status)}) → this run ${esc(c.now.status)}.</p>
<h3>Verdicts that changed</h3>${verdicts === '' ? '<p>none</p>' : `<table><thead><tr><th>scenario</th><th>was</th><th>now</th></tr></thead><tbody>${verdicts}</tbody></table>`}
<h3>SLO verdicts that changed</h3>${slos === '' ? '<p>none</p>' : `<table><thead><tr><th>scenario</th><th>SLO</th><th>was</th><th>now</th></tr></thead><tbody>${slos}</tbody></table>`}
<h3>Figures that moved (by 20% or more)</h3>${figures === '' ? '<p>none</p>' : `<table><thead><tr><th></th><th>scenario</th><th>figure</th><th>was</th><th>now</th></tr></thead><tbody>${figures}</tbody></table>`}
</section>`;
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem;max-width:1000px;color:#111}
h1 .passed,h2.passed small,td.passed{color:#2a9d55} h1 .failed,h2.failed small,h2.error small,h2.interrupted small,td.failed,td.error{color:#dc2626}
h2.inconclusive small,td.inconclusive{color:#d97706} h3{margin:1.2rem 0 .3rem;font-size:1rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{border-bottom:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
table.facts th{font-weight:normal;color:#555;width:22rem}
td.cell{text-align:center}td.hit.passed{color:#2a9d55}td.hit.failed,td.hit.error,td.hit.interrupted{color:#dc2626}td.hit.inconclusive{color:#d97706}td.hit.skipped{color:#6b7280}
tr.fail td:first-child{color:#dc2626;font-weight:600}tr.pass td:first-child{color:#2a9d55}tr.warn td:first-child{color:#d97706}
tr.ev-sut td,tr.ev-alert td{font-weight:600}tr.fail td{color:#b91c1c}td.num{white-space:nowrap;font-variant-numeric:tabular-nums}
.hypothesis{font-style:italic}.error{color:#dc2626}li.fail{color:#dc2626}.muted{color:#6b7280}section{margin-top:2.5rem}
.charts .chart{margin:.5rem 0;min-height:260px}`;

export async function renderHtml(run: RunResult, comparison?: Comparison): Promise<string> {
  const { js, css } = await uplotAssets();
  const t = tallyVerdicts(run);
  const reviews = run.scenarios.map(reviewScenario);
  const charted = run.scenarios.map(
    (s) => s.status !== 'skipped' && (s.chart !== undefined || s.series.length > 0),
  );
  const data = run.scenarios.map((s, i) =>
    charted[i] ? chartData(s, reviews[i]?.timeline ?? [], reviews[i]?.impact.baselineP95 ?? null) : null,
  );
  const scale = `time scale ${run.timeScale}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>keystorm: ${esc(run.status)}</title>
<style>${css}
${STYLE}
</style></head><body>
<h1>keystorm: <span class="${esc(run.status)}">${esc(run.status.toUpperCase())}</span></h1>
<p>${run.scenarios.length} scenario(s) · ${t.pass} SLOs met · ${t.fail} breached · ${t.warn} warned · ${esc(formatDuration(run.durationMs))} ·
seed ${run.seed} · ${esc(scale)} (every offset, window and chart axis is run time since the scenario's load started) · started ${esc(run.startedAt)} · SUT ${esc(run.sut.description)} (${run.sut.replicas} replica(s))</p>
<h2>Overview</h2>
${overviewHtml(run)}
${comparison === undefined ? '' : comparisonHtml(comparison)}
${run.scenarios.map((s, i) => scenarioHtml(s, reviews[i] ?? reviewScenario(s), i, charted[i] === true)).join('\n')}
<script>${js}</script>
<script>const SCALE = ${scriptJson(scale)}; const DATA = ${scriptJson(data)};${CHART_SCRIPT}</script>
</body></html>
`;
}

export function createHtmlReporter(): Reporter {
  return {
    name: 'html',
    async onEnd(run, info) {
      await writeFile(join(info.outDir, 'report.html'), await renderHtml(run));
    },
  };
}
