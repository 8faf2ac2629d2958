import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compare,
  formatSelector,
  parseMetricSelector,
  parseThreshold,
  SloSyntaxError,
} from '../../src/slo/grammar.ts';
import type { Operator } from '../../src/slo/grammar.ts';

function syntaxError(fn: () => unknown): SloSyntaxError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof SloSyntaxError, `expected SloSyntaxError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a syntax error');
}

describe('threshold grammar', () => {
  it('parses every aggregation', () => {
    for (const name of ['avg', 'min', 'max', 'med', 'rate', 'count', 'value'] as const) {
      const t = parseThreshold(`${name}<5`);
      assert.equal(t.aggregation.name, name);
      assert.equal(t.aggregation.percentile, undefined);
    }
    assert.deepEqual(parseThreshold('p(95)<500').aggregation, { name: 'p', percentile: 95, column: 1 });
    assert.equal(parseThreshold('p(99.9)<2000').aggregation.percentile, 99.9);
    assert.equal(parseThreshold('p( 50 ) < 1').aggregation.percentile, 50);
  });

  it('parses every operator, longest first', () => {
    const ops: Operator[] = ['<', '<=', '>', '>=', '==', '!='];
    for (const op of ops) {
      const t = parseThreshold(`max${op}1.5`);
      assert.equal(t.operator, op);
      assert.equal(t.value, 1.5);
    }
  });

  it('accepts spaces, negative and exponent numbers, and percentages on rates', () => {
    assert.equal(parseThreshold('  avg  >=  -2.5e1 ').value, -25);
    assert.equal(parseThreshold('rate<0.1%').value, 0.001);
    assert.equal(parseThreshold('rate < 5%').value, 0.05);
    assert.equal(parseThreshold(' p(95)<500 ').source, 'p(95)<500');
  });

  it('reports the column of the first problem', () => {
    const cases: [string, number, RegExp][] = [
      ['p(95)<<500', 7, /expected a number/],
      ['', 1, /expected an aggregation/],
      ['p95<500', 1, /unknown aggregation 'p95' \(write p\(95\)\)/],
      ['avgg<1', 1, /unknown aggregation 'avgg'/],
      ['p(95<500', 5, /expected '\)'/],
      ['p95)<500', 1, /unknown aggregation/],
      ['p(abc)<1', 3, /expected a percentile number/],
      ['p(101)<1', 3, /between 0 and 100/],
      ['avg 500', 5, /expected an operator/],
      ['avg=500', 4, /use '=='/],
      ['avg<', 5, /expected a number, found the end/],
      ['avg<500ms', 8, /unexpected 'm' after the threshold/],
      ['avg<1%', 6, /percentage only applies to rate/],
      ['1<avg', 1, /expected an aggregation/],
    ];
    for (const [expr, column, message] of cases) {
      const error = syntaxError(() => parseThreshold(expr));
      assert.equal(error.column, column, `${expr}: ${error.message}`);
      assert.match(error.message, message, expr);
      assert.ok(error.message.startsWith(`column ${column}: `), error.message);
    }
  });

  it('rejects aggregations that do not apply to the metric kind', () => {
    const error = syntaxError(() => parseThreshold('rate<0.1', 'trend', 'request_duration'));
    assert.equal(error.column, 1);
    assert.match(
      error.message,
      /'rate' does not apply to trend metric request_duration \(use avg, min, max, med, p\(N\)\)/,
    );
    assert.match(
      syntaxError(() => parseThreshold('p(95)<1', 'rate')).message,
      /'p\(N\)' does not apply to rate/,
    );
    assert.match(syntaxError(() => parseThreshold('  avg<1', 'counter')).message, /^column 3: 'avg'/);
    assert.match(syntaxError(() => parseThreshold('count<1', 'gauge')).message, /use value, min, max/);
    assert.match(syntaxError(() => parseThreshold('rate<1%', 'counter')).message, /percentage/);
    assert.doesNotThrow(() => parseThreshold('rate<2', 'counter'));
    assert.doesNotThrow(() => parseThreshold('max<=1', 'gauge'));
  });

  it('compares with every operator', () => {
    assert.equal(compare(1, '<', 2), true);
    assert.equal(compare(2, '<', 2), false);
    assert.equal(compare(2, '<=', 2), true);
    assert.equal(compare(3, '<=', 2), false);
    assert.equal(compare(3, '>', 2), true);
    assert.equal(compare(2, '>', 2), false);
    assert.equal(compare(2, '>=', 2), true);
    assert.equal(compare(1, '>=', 2), false);
    assert.equal(compare(0, '==', 0), true);
    assert.equal(compare(1, '==', 0), false);
    assert.equal(compare(1, '!=', 0), true);
    assert.equal(compare(0, '!=', 0), false);
  });
});

describe('metric selectors', () => {
  it('parses a bare metric and k6-style tag filters', () => {
    assert.deepEqual(parseMetricSelector('request_duration').tags, {});
    const s = parseMetricSelector('request_duration{kind:fresh, phase : steady}');
    assert.equal(s.name, 'request_duration');
    assert.deepEqual(s.tags, { kind: 'fresh', phase: 'steady' });
  });

  it('accepts quoted values with commas, braces and escapes', () => {
    const s = parseMetricSelector('log_matches{pattern:"Old JWKS re-cached, {x} \\"y\\""}');
    assert.deepEqual(s.tags, { pattern: 'Old JWKS re-cached, {x} "y"' });
    assert.equal(
      parseMetricSelector('log_matches{pattern:Old JWKS re-cached}').tags.pattern,
      'Old JWKS re-cached',
    );
  });

  it('formats a selector back so that it parses to the same thing', () => {
    const s = parseMetricSelector('log_matches{pattern:"a, b}", issuer:gitlab}');
    assert.equal(formatSelector(s), 'log_matches{pattern:"a, b}",issuer:gitlab}');
    assert.deepEqual(parseMetricSelector(formatSelector(s)).tags, s.tags);
  });

  it('reports unknown metrics, bad tags and missing required tags with their column', () => {
    const cases: [string, number, RegExp][] = [
      ['http_req_duration', 1, /unknown metric 'http_req_duration' \(known: request_duration/],
      ['request_duration{}', 18, /empty tag filter/],
      ['request_duration{kind}', 22, /expected ':' after tag 'kind'/],
      ['request_duration{kind:}', 23, /expected a value for tag 'kind'/],
      ['request_duration{kind:a,kind:b}', 25, /tag 'kind' is given twice/],
      ['request_duration{kind:a', 24, /expected ',' or '}', found the end/],
      ['request_duration{kind:a} x', 26, /unexpected 'x' after the metric/],
      ['log_matches{pattern:"open', 26, /unterminated quoted value/],
      ['log_matches', 1, /needs a 'pattern' tag/],
      ['{kind:a}', 1, /expected a metric name/],
    ];
    for (const [text, column, message] of cases) {
      const error = syntaxError(() => parseMetricSelector(text));
      assert.equal(error.column, column, `${text}: ${error.message}`);
      assert.match(error.message, message, text);
    }
  });
});
