import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration, tryParseDuration } from '../../src/util/duration.ts';
import { assertTargetAllowed, isLoopbackHost } from '../../src/util/loopback.ts';

describe('parseDuration', () => {
  it('reads units and compound durations', () => {
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('5s'), 5000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration(120), 120);
    assert.equal(parseDuration('120'), 120);
  });

  it('rejects garbage and names the value', () => {
    assert.equal(tryParseDuration('5 parsecs'), undefined);
    assert.equal(tryParseDuration(-1), undefined);
    assert.throws(
      () => parseDuration('soon', 'timeline[0].at'),
      /timeline\[0\]\.at: "soon" is not a duration/,
    );
  });

  it('formats for people', () => {
    assert.equal(formatDuration(850), '850ms');
    assert.equal(formatDuration(185_000), '3m05s');
  });
});

describe('loopback guard', () => {
  it('accepts loopback and refuses anything else unless allow-listed', () => {
    for (const h of ['127.0.0.1', '127.8.9.1', 'localhost', '::1', '[::1]']) assert.ok(isLoopbackHost(h), h);
    for (const h of ['10.0.0.1', '192.168.1.1', 'example.com', '::2']) assert.ok(!isLoopbackHost(h), h);
    assert.throws(() => assertTargetAllowed('http://10.1.2.3:8080/'), { code: 'ERR_NOT_LOOPBACK' });
    assert.equal(assertTargetAllowed('http://gw.internal/', ['GW.internal']).hostname, 'gw.internal');
  });
});
