import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { counterIncrease, MetricsSnapshot, parsePrometheusText } from '../../src/sut/index.ts';

const BODY = String.raw`# HELP jwt_key_cache_miss_total Key cache misses.
# TYPE jwt_key_cache_miss_total counter
jwt_key_cache_miss_total{provider="gitlab"} 12
jwt_key_cache_miss_total{provider="customers"} 3 1700000000000
# TYPE jwks_fetch_duration_seconds histogram
jwks_fetch_duration_seconds_bucket{le="0.1",provider="gitlab"} 4
jwks_fetch_duration_seconds_bucket{le="+Inf",provider="gitlab"} 5
jwks_fetch_duration_seconds_sum{provider="gitlab"} 1.5e-1
jwks_fetch_duration_seconds_count{provider="gitlab"} 5
odd_labels{path="a \"quoted\" \\ back\nslash",empty=""} -Inf
nan_gauge NaN
this is not a sample
# EOF
`;

describe('parsePrometheusText', () => {
  it('reads samples with labels, escapes, special values, timestamps and types', () => {
    const parsed = parsePrometheusText(BODY);
    assert.equal(parsed.samples.length, 8);
    assert.deepEqual(parsed.samples[0], {
      name: 'jwt_key_cache_miss_total',
      labels: { provider: 'gitlab' },
      value: 12,
    });
    assert.equal(parsed.samples[1]?.value, 3, 'the timestamp was read as the value');
    assert.deepEqual(parsed.samples[3]?.labels, { le: '+Inf', provider: 'gitlab' });
    assert.equal(parsed.samples[4]?.value, 0.15);
    assert.deepEqual(parsed.samples[6], {
      name: 'odd_labels',
      labels: { path: 'a "quoted" \\ back\nslash', empty: '' },
      value: -Infinity,
    });
    assert.ok(Number.isNaN(parsed.samples[7]?.value));
    assert.equal(parsed.types.get('jwks_fetch_duration_seconds'), 'histogram');
    assert.equal(parsed.help.get('jwt_key_cache_miss_total'), 'Key cache misses.');
    assert.deepEqual(parsed.invalid, [{ line: 12, text: 'this is not a sample' }]);
  });

  it('never throws on garbage', () => {
    const parsed = parsePrometheusText('{{{\nname{unterminated="x 1\nname{=""} 2\nname 1 2 3 x\n\0\n');
    assert.equal(parsed.samples.length, 1);
    assert.equal(parsed.invalid.length, 4);
  });
});

describe('counterIncrease', () => {
  const snap = (body: string, pid?: number): MetricsSnapshot => {
    const p = parsePrometheusText(body);
    return new MetricsSnapshot(0, p.samples, p.types, pid);
  };

  it('sums the increase over the series that match the label filter', () => {
    const a = snap('c_total{p="a"} 1\nc_total{p="b"} 10\n');
    const b = snap('c_total{p="a"} 4\nc_total{p="b"} 15\nc_total{p="c"} 2\n');
    assert.equal(counterIncrease(a, b, 'c_total'), 3 + 5 + 2);
    assert.equal(counterIncrease(a, b, 'c_total', { p: 'b' }), 5);
    assert.equal(counterIncrease(a, b, 'missing_total'), undefined);
  });

  it('treats a drop, a new PID or a new process start time as a counter reset', () => {
    assert.equal(counterIncrease(snap('c_total 10\n'), snap('c_total 4\n'), 'c_total'), 4);
    assert.equal(counterIncrease(snap('c_total 3\n', 100), snap('c_total 5\n', 200), 'c_total'), 5);
    assert.equal(counterIncrease(snap('c_total 3\n', 100), snap('c_total 5\n', 100), 'c_total'), 2);
    assert.equal(
      counterIncrease(
        snap('process_start_time_seconds 1\nc_total 3\n'),
        snap('process_start_time_seconds 2\nc_total 5\n'),
        'c_total',
      ),
      5,
    );
  });
});
