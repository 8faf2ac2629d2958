/**
 * report.html: one self-contained page (no network needed to open it) with the verdicts and,
 * per scenario, charts of throughput and status classes, latency percentiles and JWKS fetches,
 * with fault windows shaded. Charts are uPlot, inlined from node_modules.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { RunResult, ScenarioResult } from '../result/types.ts';
import { tallyVerdicts } from '../result/types.ts';
import { formatDuration } from '../util/duration.ts';
import { ms, observed, pct } from './format.ts';
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

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function scenarioHtml(s: ScenarioResult, index: number): string {
  const unexpectedRate = s.load.requests === 0 ? null : s.load.unexpected / s.load.requests;
  const rows = s.slos
    .map(
      (v) =>
        `<tr class="${v.status}"><td>${v.status}</td><td><code>${esc(v.metric)} ${esc(v.expression)}</code>${v.strict ? '' : ' <em>warn-only</em>'}</td>` +
        `<td>${esc(v.window)}</td><td>${esc(observed(v.metric, v.observed))}</td><td>${v.samples}</td><td>${esc(v.message ?? '')}</td></tr>`,
    )
    .join('\n');
  const timeline = s.timeline
    .map(
      (e) =>
        `<li class="${e.ok ? '' : 'fail'}">+${esc(formatDuration(e.atMs))} ${esc(e.what)}${e.detail ? ` — ${esc(e.detail)}` : ''}</li>`,
    )
    .join('\n');
  return `<section id="s${index}">
<h2 class="${s.status}">${esc(s.name)} <small>${esc(s.status)}</small></h2>
<p class="hypothesis">${esc(s.hypothesis)}</p>
<p>Covers ${esc(s.covers.join(', ') || '–')} · ${esc(formatDuration(s.durationMs))} · ${s.load.requests} requests · unexpected ${esc(pct(unexpectedRate))} ·
p95 ${esc(ms(s.load.corrected.p95))} (uncorrected ${esc(ms(s.load.uncorrected.p95))}) · JWKS fetches ${s.idp.jwksFetches}, peak concurrent ${s.idp.peakConcurrentJwksFetches}</p>
${s.error === undefined ? '' : `<p class="error">${esc(s.error)}</p>`}
<table><thead><tr><th></th><th>SLO</th><th>window</th><th>observed</th><th>samples</th><th>note</th></tr></thead><tbody>${rows}</tbody></table>
<div class="charts"><div id="c${index}-traffic"></div><div id="c${index}-latency"></div><div id="c${index}-jwks"></div></div>
<details><summary>timeline</summary><ul>${timeline}</ul></details>
</section>`;
}

/** Browser-side code: draws the three charts of each scenario and shades its fault windows. */
const CHART_SCRIPT = `
const shade = (windows) => ({ hooks: { drawClear: [(u) => {
  const ctx = u.ctx; ctx.save(); ctx.fillStyle = 'rgba(220,80,60,0.10)';
  for (const w of windows) {
    const x0 = u.valToPos(w.fromMs / 1000, 'x', true), x1 = u.valToPos(w.toMs / 1000, 'x', true);
    ctx.fillRect(x0, u.bbox.top, Math.max(1, x1 - x0), u.bbox.height);
  }
  ctx.restore();
}] } });
const opts = (title, series, windows) => ({ title, width: 900, height: 220, plugins: [shade(windows)],
  scales: { x: { time: false } }, axes: [{ label: 's' }, {}], series: [{ label: 't' }, ...series] });
DATA.forEach((s, i) => {
  const t = s.series.map((p) => p.t), col = (k) => s.series.map((p) => p[k]);
  const faults = s.windows.filter((w) => w.kind === 'fault');
  new uPlot(opts('requests/s by outcome', [
    { label: '2xx', stroke: '#2a9d55' }, { label: '401', stroke: '#d97706' }, { label: '403', stroke: '#7c3aed' },
    { label: '5xx', stroke: '#dc2626' }, { label: 'errors', stroke: '#111' }, { label: 'unexpected', stroke: '#e11d48', dash: [4, 4] }], faults),
    [t, col('s2xx'), col('s401'), col('s403'), col('s5xx'), col('errors'), col('unexpected')], document.getElementById('c' + i + '-traffic'));
  new uPlot(opts('latency (ms, corrected)', [
    { label: 'p50', stroke: '#2563eb' }, { label: 'p95', stroke: '#d97706' }, { label: 'p99', stroke: '#dc2626' }], faults),
    [t, col('p50'), col('p95'), col('p99')], document.getElementById('c' + i + '-latency'));
  new uPlot(opts('JWKS fetches/s at the provider', [{ label: 'fetches', stroke: '#0f766e' }], faults),
    [t, col('jwksFetches')], document.getElementById('c' + i + '-jwks'));
});`;

export async function renderHtml(run: RunResult): Promise<string> {
  const { js, css } = await uplotAssets();
  const t = tallyVerdicts(run);
  const data = run.scenarios.map((s) => ({ series: s.series, windows: s.windows }));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>keystorm: ${esc(run.status)}</title>
<style>${css}
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;max-width:1000px;color:#111}
h1 .passed,h2.passed small{color:#2a9d55} h1 .failed,h2.failed small,h2.error small,h2.interrupted small{color:#dc2626}
table{border-collapse:collapse;margin:.5rem 0}td,th{border-bottom:1px solid #ddd;padding:.25rem .5rem;text-align:left}
tr.fail td:first-child{color:#dc2626;font-weight:600}tr.pass td:first-child{color:#2a9d55}tr.warn td:first-child{color:#d97706}
.hypothesis{font-style:italic}.error{color:#dc2626}li.fail{color:#dc2626}section{margin-top:2.5rem}
</style></head><body>
<h1>keystorm: <span class="${esc(run.status)}">${esc(run.status.toUpperCase())}</span></h1>
<p>${run.scenarios.length} scenario(s) · ${t.pass} SLOs met · ${t.fail} breached · ${t.warn} warned · ${esc(formatDuration(run.durationMs))} ·
seed ${run.seed} · time scale ${run.timeScale} · started ${esc(run.startedAt)} · SUT ${esc(run.sut.description)} (${run.sut.replicas} replica(s))</p>
<ul>${run.scenarios.map((s, i) => `<li><a href="#s${i}">${esc(s.name)}</a> — ${esc(s.status)}</li>`).join('')}</ul>
${run.scenarios.map(scenarioHtml).join('\n')}
<script>${js}</script>
<script>const DATA = ${scriptJson(data)};${CHART_SCRIPT}</script>
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
