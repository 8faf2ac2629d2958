/**
 * k6's threshold grammar, `<aggregation> <operator> <value>` (`p(95)<500`, `rate<0.01`,
 * `count==0`), and metric selectors with tag filters (`request_duration{kind:fresh}`).
 * A tiny hand parser: the grammar is ours to own, and a hand parser can say exactly which
 * column is wrong (`p(95)<<500` → "column 7: expected a number").
 */
import { AGGREGATIONS_BY_KIND, isMetricName, METRIC_NAMES, metricInfo } from './metrics.ts';
import type { AggregationName, MetricKind, MetricName } from './metrics.ts';

/** A syntax or semantic error in a threshold or selector, located by a 1-based column. */
export class SloSyntaxError extends Error {
  /** 1-based column of the offending character in `source`. */
  readonly column: number;
  readonly source: string;
  /** The message without the column prefix. */
  readonly reason: string;
  constructor(source: string, column: number, reason: string) {
    super(`column ${column}: ${reason}`);
    this.name = 'SloSyntaxError';
    this.source = source;
    this.column = column;
    this.reason = reason;
  }
}

export type Operator = '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface Aggregation {
  readonly name: AggregationName;
  /** The N of `p(N)`, in [0, 100]. */
  readonly percentile?: number;
  /** 1-based column where the aggregation starts (for later semantic errors). */
  readonly column: number;
}

/** One parsed threshold, e.g. `p(99.9)<2000`. */
export interface Threshold {
  /** The expression as written, trimmed. */
  readonly source: string;
  readonly aggregation: Aggregation;
  readonly operator: Operator;
  /** The right-hand side; `0.1%` is stored as 0.001. */
  readonly value: number;
}

/** A metric name with its tag filters, e.g. `log_matches{pattern:"Old JWKS re-cached"}`. */
export interface MetricSelector {
  readonly source: string;
  readonly name: MetricName;
  readonly tags: Readonly<Record<string, string>>;
}

const OPERATORS: readonly Operator[] = ['<=', '>=', '==', '!=', '<', '>'];
const WORD_AGGREGATIONS = new Set<string>(['avg', 'min', 'max', 'med', 'rate', 'count', 'value']);
const NUMBER = /-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const TAG_KEY = /[A-Za-z_][A-Za-z0-9_.-]*/y;

/** A cursor over one expression; columns are 1-based for messages. */
class Cursor {
  pos = 0;
  constructor(readonly text: string) {}
  get column(): number {
    return this.pos + 1;
  }
  get done(): boolean {
    return this.pos >= this.text.length;
  }
  peek(): string {
    return this.text[this.pos] ?? '';
  }
  skipSpaces(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }
  match(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (m === null) return undefined;
    this.pos = re.lastIndex;
    return m[0];
  }
  eat(literal: string): boolean {
    if (!this.text.startsWith(literal, this.pos)) return false;
    this.pos += literal.length;
    return true;
  }
  fail(reason: string, column = this.column): never {
    throw new SloSyntaxError(this.text, column, reason);
  }
  /** Names what sits at the cursor, for "expected X, found Y" messages. */
  found(): string {
    return this.done ? 'the end' : `'${this.peek()}'`;
  }
}

/**
 * Parses one threshold expression. Throws {@link SloSyntaxError} with the column of the first
 * problem. Pass `kind` to also check that the aggregation applies to the metric (k6 rejects
 * `rate` on a trend; so do we, at config time).
 */
export function parseThreshold(expression: string, kind?: MetricKind, metric?: string): Threshold {
  const c: Cursor = new Cursor(expression);
  c.skipSpaces();
  if (c.done) c.fail('expected an aggregation (avg, min, max, med, p(N), rate, count or value)');
  const aggregation = parseAggregation(c);
  if (kind !== undefined) checkAggregation(c, aggregation, kind, metric);
  c.skipSpaces();
  const operator = parseOperator(c);
  c.skipSpaces();
  const valueColumn = c.column;
  const text = c.match(NUMBER);
  if (text === undefined) c.fail(`expected a number, found ${c.found()}`);
  let value = Number(text);
  if (c.eat('%')) {
    if (aggregation.name !== 'rate' || kind === 'counter') {
      c.fail('a percentage only applies to rate thresholds', c.column - 1);
    }
    value /= 100;
  }
  if (!Number.isFinite(value)) c.fail('the number is out of range', valueColumn);
  c.skipSpaces();
  if (!c.done) c.fail(`unexpected ${c.found()} after the threshold`);
  return { source: expression.trim(), aggregation, operator, value };
}

function parseAggregation(c: Cursor): Aggregation {
  const column = c.column;
  const word = c.match(IDENT);
  if (word === undefined) {
    c.fail(`expected an aggregation (avg, min, max, med, p(N), rate, count or value), found ${c.found()}`);
  }
  if (word === 'p') {
    c.skipSpaces();
    if (!c.eat('(')) c.fail(`expected '(' after p, found ${c.found()}`);
    c.skipSpaces();
    const nColumn = c.column;
    const n = c.match(NUMBER);
    if (n === undefined) c.fail(`expected a percentile number, found ${c.found()}`);
    const percentile = Number(n);
    if (!(percentile >= 0 && percentile <= 100)) c.fail('the percentile must be between 0 and 100', nColumn);
    c.skipSpaces();
    if (!c.eat(')')) c.fail(`expected ')', found ${c.found()}`);
    return { name: 'p', percentile, column };
  }
  if (WORD_AGGREGATIONS.has(word)) return { name: word as AggregationName, column };
  const hint = /^p\d+(\.\d+)?$/.test(word) ? ` (write p(${word.slice(1)}))` : '';
  return c.fail(
    `unknown aggregation '${word}'${hint}: expected avg, min, max, med, p(N), rate, count or value`,
    column,
  );
}

function parseOperator(c: Cursor): Operator {
  for (const op of OPERATORS) if (c.eat(op)) return op;
  if (c.peek() === '=') c.fail(`'=' is not an operator: use '=='`);
  return c.fail(`expected an operator (<, <=, >, >=, ==, !=), found ${c.found()}`);
}

function checkAggregation(c: Cursor, agg: Aggregation, kind: MetricKind, metric: string | undefined): void {
  const allowed = AGGREGATIONS_BY_KIND[kind];
  if (allowed.includes(agg.name)) return;
  const label = agg.name === 'p' ? 'p(N)' : agg.name;
  const list = allowed.map((a) => (a === 'p' ? 'p(N)' : a)).join(', ');
  c.fail(
    `'${label}' does not apply to ${kind} metric${metric ? ` ${metric}` : ''} (use ${list})`,
    agg.column,
  );
}

/**
 * Parses a metric selector: a known metric name, optionally followed by k6-style tag filters
 * `{key:value, key2:"quoted, value"}`. Quoted values allow `,`, `}` and `\"`.
 */
export function parseMetricSelector(text: string): MetricSelector {
  const c: Cursor = new Cursor(text);
  c.skipSpaces();
  const nameColumn = c.column;
  const name = c.match(IDENT);
  if (name === undefined) c.fail(`expected a metric name, found ${c.found()}`);
  if (!isMetricName(name)) {
    c.fail(`unknown metric '${name}' (known: ${METRIC_NAMES.join(', ')})`, nameColumn);
  }
  const tags: Record<string, string> = {};
  c.skipSpaces();
  if (c.eat('{')) {
    c.skipSpaces();
    if (c.eat('}')) c.fail('empty tag filter: remove {} or name a tag', c.column - 1);
    for (;;) {
      c.skipSpaces();
      const keyColumn = c.column;
      const key = c.match(TAG_KEY);
      if (key === undefined) c.fail(`expected a tag name, found ${c.found()}`);
      if (Object.hasOwn(tags, key)) c.fail(`tag '${key}' is given twice`, keyColumn);
      c.skipSpaces();
      if (!c.eat(':')) c.fail(`expected ':' after tag '${key}', found ${c.found()}`);
      c.skipSpaces();
      tags[key] = parseTagValue(c, key);
      c.skipSpaces();
      if (c.eat('}')) break;
      if (!c.eat(',')) c.fail(`expected ',' or '}', found ${c.found()}`);
    }
    c.skipSpaces();
  }
  if (!c.done) c.fail(`unexpected ${c.found()} after the metric`);
  for (const required of metricInfo(name).requiredTags ?? []) {
    if (!Object.hasOwn(tags, required)) {
      c.fail(`metric ${name} needs a '${required}' tag, e.g. ${name}{${required}:…}`, nameColumn);
    }
  }
  return { source: text.trim(), name, tags };
}

function parseTagValue(c: Cursor, key: string): string {
  if (c.eat('"')) {
    let value = '';
    for (;;) {
      if (c.done) c.fail(`unterminated quoted value for tag '${key}'`);
      const ch = c.peek();
      c.pos++;
      if (ch === '"') return value;
      if (ch === '\\') {
        if (c.done) c.fail(`unterminated quoted value for tag '${key}'`);
        value += c.peek();
        c.pos++;
      } else {
        value += ch;
      }
    }
  }
  const start = c.pos;
  while (!c.done && c.peek() !== ',' && c.peek() !== '}') c.pos++;
  const value = c.text.slice(start, c.pos).trim();
  if (value === '') c.fail(`expected a value for tag '${key}'`, start + 1);
  return value;
}

/** Formats a selector back to text (for ids and reports): `name{a:b,c:"d e"}`. */
export function formatSelector(selector: Pick<MetricSelector, 'name' | 'tags'>): string {
  const entries = Object.entries(selector.tags);
  if (entries.length === 0) return selector.name;
  const quote = (v: string): string => (/^[A-Za-z0-9_.\-/]+$/.test(v) ? v : JSON.stringify(v));
  return `${selector.name}{${entries.map(([k, v]) => `${k}:${quote(v)}`).join(',')}}`;
}

/** Compares an observed value with a threshold's value. */
export function compare(observed: number, operator: Operator, value: number): boolean {
  switch (operator) {
    case '<':
      return observed < value;
    case '<=':
      return observed <= value;
    case '>':
      return observed > value;
    case '>=':
      return observed >= value;
    case '==':
      return observed === value;
    case '!=':
      return observed !== value;
  }
}
