/**
 * Reads the Prometheus text exposition format (what `/metrics` answers) into samples. Only what
 * recording needs: metric lines with labels and a value; comments, HELP/TYPE and exposition
 * timestamps are ignored (keystorm stamps every sample with its own scrape tick).
 */

/** One sample of one series. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

/** Parses exposition text; lines that cannot be read are skipped, never thrown on. */
export function parsePromText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseLine(line);
    if (sample !== undefined) samples.push(sample);
  }
  return samples;
}

function parseLine(line: string): Sample | undefined {
  const name = NAME.exec(line)?.[0];
  if (name === undefined) return undefined;
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    const end = readLabels(rest, labels);
    if (end < 0) return undefined;
    rest = rest.slice(end);
  }
  const value = parseValue(rest.trim().split(/\s+/)[0] ?? '');
  return value === undefined ? undefined : { name, labels, value };
}

/** Fills labels from `{a="x",b="y"}` at the start of text; returns the index after `}` or -1. */
function readLabels(text: string, labels: Record<string, string>): number {
  let i = 1;
  for (;;) {
    while (text[i] === ' ' || text[i] === ',') i++;
    if (text[i] === '}') return i + 1;
    const key = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(i))?.[0];
    if (key === undefined) return -1;
    i += key.length;
    while (text[i] === ' ') i++;
    if (text[i] !== '=' || text[i + 1] !== '"') return -1;
    i += 2;
    let value = '';
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') {
        const next = text[i + 1];
        value += next === 'n' ? '\n' : (next ?? '');
        i += 2;
      } else {
        value += text[i];
        i++;
      }
    }
    if (i >= text.length) return -1;
    labels[key] = value;
    i++;
  }
}

function parseValue(text: string): number | undefined {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (text === '') return undefined;
  const value = Number(text);
  return Number.isNaN(value) ? undefined : value;
}

/** The canonical key of a series: `name{a="x",b="y"}` with labels sorted, PromQL-escaped. */
export function seriesKey(name: string, labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return name;
  const body = keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',');
  return `${name}{${body}}`;
}
