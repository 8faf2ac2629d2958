/**
 * A parser for the Prometheus text exposition format (0.0.4, and the OpenMetrics lines a
 * scrape of it may contain). prom-client only writes this format; the one npm parser is
 * unmaintained and untyped, and we need only flat samples: name + labels → value.
 * Histograms and summaries come out as their `_bucket`/`_sum`/`_count` samples.
 */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped' | 'unknown';

export interface MetricSample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

export interface ParsedMetrics {
  samples: MetricSample[];
  /** `# TYPE` by metric family name. */
  types: Map<string, MetricType>;
  /** `# HELP` by metric family name. */
  help: Map<string, string>;
  /** Lines that could not be parsed (line number and text), kept so a scrape never throws. */
  invalid: { line: number; text: string }[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseValue(text: string): number | undefined {
  switch (text) {
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    case 'NaN':
      return NaN;
    default: {
      if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined;
      return Number(text);
    }
  }
}

/** Parses `{a="x",b="y\"z"}` starting at `text[0] === '{'`; returns the labels and the rest. */
function parseLabels(text: string): { labels: Record<string, string>; rest: string } | undefined {
  const labels: Record<string, string> = {};
  let i = 1;
  for (;;) {
    while (text[i] === ' ' || text[i] === ',') i++;
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
    const name = LABEL_NAME.exec(text.slice(i))?.[0];
    if (name === undefined) return undefined;
    i += name.length;
    while (text[i] === ' ') i++;
    if (text[i] !== '=' || text[i + 1] !== '"') return undefined;
    i += 2;
    let value = '';
    for (; i < text.length && text[i] !== '"'; i++) {
      if (text[i] === '\\') {
        i++;
        const escaped = text[i];
        value += escaped === 'n' ? '\n' : (escaped ?? '');
      } else {
        value += text[i];
      }
    }
    if (text[i] !== '"') return undefined;
    i++;
    labels[name] = value;
  }
}

function parseSample(line: string): MetricSample | undefined {
  const name = NAME.exec(line)?.[0];
  if (name === undefined) return undefined;
  let rest = line.slice(name.length);
  let labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    const parsed = parseLabels(rest);
    if (parsed === undefined) return undefined;
    labels = parsed.labels;
    rest = parsed.rest;
  }
  // value [timestamp] — the timestamp (and an OpenMetrics exemplar after '#') is ignored.
  const fields = rest.split('#')[0]?.trim().split(/\s+/) ?? [];
  const value = fields[0] === undefined ? undefined : parseValue(fields[0]);
  return value === undefined ? undefined : { name, labels, value };
}

/** Parses an exposition body. Never throws: unparsable lines are listed in `invalid`. */
export function parsePrometheusText(body: string): ParsedMetrics {
  const result: ParsedMetrics = { samples: [], types: new Map(), help: new Map(), invalid: [] };
  const lines = body.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith('#')) {
      const meta = /^#\s*(HELP|TYPE)\s+(\S+)\s*(.*)$/.exec(line);
      if (meta?.[1] === 'TYPE') result.types.set(meta[2] ?? '', (meta[3] ?? 'untyped') as MetricType);
      else if (meta?.[1] === 'HELP') result.help.set(meta[2] ?? '', meta[3] ?? '');
      return;
    }
    const sample = parseSample(line);
    if (sample === undefined) result.invalid.push({ line: index + 1, text: raw });
    else result.samples.push(sample);
  });
  return result;
}
