/** report.md of a canary: verdict, failures named by probe and status, tallies, windows, the reused token apart. */
import { ms } from '../reporters/format.ts';
import { formatDuration } from '../util/duration.ts';
import type { CanaryResult, ProbeTally } from './result.ts';

const ICON: Record<CanaryResult['status'], string> = {
  passed: '✅',
  failed: '❌',
  inconclusive: '⚠️',
  interrupted: '⏹️',
  error: '💥',
};

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function statuses(t: Pick<ProbeTally, 'statuses'>): string {
  return Object.entries(t.statuses)
    .map(([status, n]) => `${status} ×${n}`)
    .join(', ');
}

export function renderCanaryMarkdown(r: CanaryResult): string {
  const judged = r.tallies.filter((t) => t.judged);
  const sent = judged.reduce((a, t) => a + t.sent, 0);
  const failed = judged.reduce((a, t) => a + t.failed, 0);
  const lines = [
    `# keystorm canary: ${ICON[r.status]} ${r.status.toUpperCase()}`,
    '',
    `Target ${r.target} · tokens: ${cell(r.tokenSource)} · ${formatDuration(r.durationMs)} of ${formatDuration(r.plannedMs)} · ` +
      `${sent} judged probes, ${failed} failed`,
    '',
  ];
  if (r.message !== undefined)
    lines.push(`**${r.status === 'error' ? 'Error' : 'Note'}:** ${cell(r.message)}`, '');
  if (r.failures.length > 0) {
    lines.push(
      '## Failures',
      '',
      '| probe | request | got | expected | count | first | detail |',
      '|---|---|---|---|---|---|---|',
    );
    for (const f of r.failures) {
      lines.push(
        `| ${f.probe} | ${cell(f.request)} | **${cell(f.outcome)}** | ${f.expected} | ${f.count} | ${f.firstAt} (+${formatDuration(f.firstAtMs)}) | ${cell(f.detail ?? '')} |`,
      );
    }
    lines.push('');
  }
  lines.push(
    '## Probes',
    '',
    '| probe | request | expected | sent | failed | outcomes | p50 | p95 |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const t of judged) {
    lines.push(
      `| ${t.failed > 0 ? '❌' : '✅'} ${t.probe} | ${cell(t.request)} | ${t.expected} | ${t.sent} | ${t.failed} | ${statuses(t)} | ${ms(t.p50)} | ${ms(t.p95)} |`,
    );
  }
  for (const s of r.skipped)
    lines.push(`| ⚠️ ${s.probe} | – | – | 0 | – | not run: ${cell(s.reason)} | – | – |`);
  lines.push('');
  if (r.reused !== null) {
    const reused = r.tallies.filter((t) => t.probe === 'reused');
    lines.push(
      '## Reused first token (not judged)',
      '',
      `What a canary that never refreshes would have seen: ${r.reused.sent} probes, ${r.reused.ok} as expected, ${r.reused.failed} not` +
        (reused.length > 0 ? ` (${reused.map(statuses).join('; ')})` : '') +
        `; the first token expires ${r.reused.firstTokenExpiresAt ?? 'never (no expiry known)'}.`,
      '',
    );
  }
  if (r.windows.length > 0) {
    lines.push(
      '## Windows',
      '',
      '| from | to | probes | failed | valid p95 | valid outcomes | reused failed |',
      '|---|---|---|---|---|---|---|',
    );
    for (const w of r.windows) {
      lines.push(
        `| +${formatDuration(w.fromMs)} | +${formatDuration(w.toMs)} | ${w.requests} | ${w.failures} | ${ms(w.p95)} | ${statuses(w)} | ${w.reused.failures}/${w.reused.requests} |`,
      );
    }
    lines.push('');
  }
  if (r.pushGateway !== null) {
    const p = r.pushGateway;
    lines.push(
      `Pushgateway ${p.url} (job ${p.job}, instance ${p.instance}): ${p.pushes} pushes, ${p.failedPushes} failed${p.lastError === undefined ? '' : ` — ${cell(p.lastError)}`}.`,
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}
