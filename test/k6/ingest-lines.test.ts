/**
 * Parsing single lines of k6 JSON output (the format k6 documents; no k6 binary exists on these
 * machines, so the lines are written to that format by hand and by test/fixtures/k6/).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseK6Line, parseRfc3339, requestOf, toRequestSample } from '../../src/k6/ingest/index.ts';
import type { K6PointLine } from '../../src/k6/ingest/index.ts';
import { metricLine, pointLine, rfc3339 } from '../fixtures/k6/k6-output.ts';

function point(text: string): K6PointLine {
  const parsed = parseK6Line(text);
  assert.ok(parsed.ok, JSON.stringify(parsed));
  if (parsed.line.type !== 'Point') assert.fail(`not a Point: ${text}`);
  return parsed.line;
}

describe('k6 output lines', () => {
  it('reads thresholds written as strings (older k6) and as objects (newer k6) alike', () => {
    for (const style of ['string', 'object'] as const) {
      const parsed = parseK6Line(metricLine('http_req_duration', style));
      assert.ok(parsed.ok);
      assert.deepEqual(parsed.line, {
        type: 'Metric',
        name: 'http_req_duration',
        metricType: 'trend',
        contains: 'time',
        thresholds: ['p(95)<500', 'avg<200'],
      });
    }
  });

  it('reads a point with nanosecond time in another zone, its tags and metadata', () => {
    const at = Date.UTC(2026, 11, 3, 15, 39, 8) + 123.456789;
    const p = point(
      pointLine(
        'http_req_duration',
        at,
        42.5,
        { status: '200', kind: 'valid' },
        { metadata: true, zone: '+01:00', vu: 3, iter: 9 },
      ),
    );
    assert.match(rfc3339(at, '+01:00'), /^2026-12-03T16:39:08\.123456\d{3}\+01:00$/);
    assert.ok(Math.abs(p.timeMs - at) < 1e-3, `${p.timeMs} vs ${at}`);
    assert.equal(p.value, 42.5);
    assert.deepEqual(p.tags, { status: '200', kind: 'valid' });
    assert.deepEqual(p.metadata, { vu: '3', iter: '9' });
  });

  it('takes a point whose tags are null (run-level metrics such as vus)', () => {
    const p = point(pointLine('vus', Date.UTC(2026, 0, 1), 10, null));
    assert.deepEqual(p.tags, {});
  });

  it('says why a line is malformed instead of throwing', () => {
    const cases: [string, RegExp][] = [
      ['{"type":"Point"', /not JSON/],
      ['[1,2]', /not a JSON object/],
      ['{"type":"Sample"}', /unknown line type/],
      ['{"type":"Metric","data":{"name":"x","type":"histogram"}}', /counter, gauge, rate or trend/],
      ['{"type":"Metric","data":{"name":"x","type":"rate","thresholds":[5]}}', /threshold/],
      ['{"type":"Point","metric":"x","data":{"time":"2026-01-01T00:00:00Z","value":"1"}}', /finite number/],
      ['{"type":"Point","metric":"x","data":{"time":"yesterday","value":1}}', /RFC 3339/],
      ['{"type":"Point","data":{"time":"2026-01-01T00:00:00Z","value":1}}', /metric name/],
      ['{"type":"Point","metric":"x","data":{"time":"2026-01-01T00:00:00Z","value":1,"tags":"a"}}', /tags/],
    ];
    for (const [text, reason] of cases) {
      const parsed = parseK6Line(text);
      assert.equal(parsed.ok, false, text);
      if (!parsed.ok) assert.match(parsed.reason, reason, text);
    }
  });

  it('parses RFC 3339 times to the sub-millisecond and rejects impossible ones', () => {
    assert.equal(parseRfc3339('2026-12-03T15:39:08Z'), Date.UTC(2026, 11, 3, 15, 39, 8));
    assert.equal(parseRfc3339('2026-12-03T15:39:08.5-02:30'), Date.UTC(2026, 11, 3, 18, 9, 8, 500));
    assert.equal(parseRfc3339('2026-12-03 15:39:08Z'), undefined);
    assert.equal(parseRfc3339('2026-13-03T15:39:08Z'), undefined);
  });

  it('turns a duration point into a request: refused token cases expect their refusal, others follow expected_response', () => {
    const at = Date.UTC(2026, 0, 1, 0, 0, 10);
    const req = (tags: Record<string, string>) =>
      requestOf(point(pointLine('http_req_duration', at, 20, tags)));
    const leaked = req({ kind: 'expired', token: 'expired', status: '200', expected_response: 'true' });
    assert.deepEqual(leaked.expect, [401], 'keystorm’s rule for refusals, whatever the script said');
    const scopeless = req({
      kind: 'no-scope',
      token: 'missing-scope',
      status: '200',
      expected_response: 'true',
    });
    assert.deepEqual(scopeless.expect, [403]);
    const stale = req({ kind: 'valid', token: 'stale', status: '200', expected_response: 'true' });
    assert.deepEqual(stale.expect, [401], 'a stale token is refused whatever the entry expected');
    assert.deepEqual(
      req({ kind: 'valid', token: 'fresh', status: '200', expected_response: 'true' }).expect,
      [200],
    );
    assert.deepEqual(req({ kind: 'valid', status: '503', expected_response: 'true' }).expect, [503]);
    assert.deepEqual(req({ kind: 'valid', status: '200', expected_response: 'false' }).expect, [0]);
    assert.equal(req({ kind: 'valid', status: '200' }).expect, undefined);
    const timeout = req({ kind: 'valid', status: '0', error_code: '1050' });
    assert.equal(timeout.status, 0);
    assert.equal(timeout.error, 'timeout');
    assert.equal(req({ status: '0', error_code: '1212' }).error, 'refused');
    assert.equal(req({ status: '0', error_code: '1400' }).kind, 'default');

    const sample = toRequestSample(req({ kind: 'valid', status: '200' }), at - 10_000);
    assert.deepEqual(
      { intended: sample.intendedMs, sent: sample.sentMs, done: sample.doneMs },
      { intended: 9_980, sent: 9_980, done: 10_000 },
      'scenario ms = k6 time − the timeline’s wall-clock start; the start is the end minus the duration',
    );
  });
});
