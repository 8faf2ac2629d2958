/** Small formatting helpers shared by the text reporters. */

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (value >= 10_000) return `${(value / 1000).toFixed(1)}s`;
  return value >= 100 ? `${Math.round(value)}ms` : `${value.toFixed(1)}ms`;
}

export function pct(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  return `${(value * 100).toFixed(digits)}%`;
}

/** An observed SLO value, shown in the unit its metric implies. */
export function observed(metric: string, value: number | null): string {
  if (value === null) return 'no samples';
  if (/rate$/.test(metric) || /_rate\b/.test(metric)) return pct(value, 3);
  if (/duration|time_to_recover|latency/.test(metric)) return ms(value);
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}

/** Left-aligned plain-text table (the console must stay readable without colour). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
