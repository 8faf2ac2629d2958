import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RequestSample } from '../../src/load/engine.ts';
import { requestOnlySource } from './request-only-source.ts';
import { RequestLog } from '../../src/scenario/request-log.ts';

function sample(
  intendedMs: number,
  kind: string,
  tags: string[] | undefined,
  status: number,
  expect?: number[],
): RequestSample {
  return {
    kind,
    tags,
    expect,
    status,
    error: undefined,
    intendedMs,
    sentMs: intendedMs,
    doneMs: intendedMs + 10,
  };
}

/**
 * Two seconds of a scenario: in the first, valid traffic on fresh tokens (one 503) and a bad token;
 * in the second, the clients renew (refreshed), one token has gone stale and is refused as it
 * should be, and a reused token is still accepted.
 */
function log(): RequestLog {
  const l = new RequestLog();
  l.add(sample(0, 'valid', ['fresh'], 200));
  l.add(sample(100, 'valid', ['fresh'], 200));
  l.add(sample(200, 'valid', ['fresh'], 503));
  l.add(sample(300, 'expired', undefined, 401, [401]));
  l.add(sample(400, 'valid', ['fresh'], 200));
  l.add(sample(1000, 'valid', ['refreshed'], 200));
  l.add(sample(1100, 'valid', ['refreshed'], 200));
  l.add(sample(1200, 'valid', ['stale'], 401, [401]));
  l.add(sample(1300, 'reused', ['fresh'], 200, [200]));
  l.add(sample(1400, 'valid', ['expiring'], 200));
  return l;
}

describe('per-kind windows of the request log', () => {
  it('reads a window by mix entry or by token state, each request under every tag it carries', () => {
    const first = log().window(0, 1000);
    assert.equal(first.counts().requests, 5);
    assert.equal(first.counts('valid').requests, 4);
    assert.equal(first.counts('valid').unexpected, 1);
    assert.equal(first.counts('fresh').requests, 4);
    assert.equal(first.counts('fresh').status['5xx'], 1);
    assert.equal(first.counts('expired').requests, 1);
    assert.equal(first.counts('expired').unexpected, 0);
    assert.equal(first.counts('refreshed').requests, 0);

    const second = log().window(1000, 2000);
    assert.equal(second.counts('valid').requests, 4);
    assert.equal(second.counts('refreshed').requests, 2);
    assert.equal(second.counts('expiring').requests, 1);
    // The stale token got its due 401: counted as a 401, not as unexpected.
    assert.deepEqual([second.counts('stale').status['401'], second.counts('stale').unexpected], [1, 0]);
    // `fresh` is a token state: the reused token, still valid, is fresh; the renewed ones are not.
    assert.equal(second.counts('fresh').requests, 1);
    assert.equal(second.counts('reused').requests, 1);
    assert.equal(second.counts('no-such-tag').requests, 0);
    assert.equal(second.latency('corrected', 'refreshed').samples, 2);
  });

  it('answers SLO queries with a kind filter from those tags', () => {
    const source = requestOnlySource(log());
    const rate = (metric: 'unexpected_rate' | 'status_401_rate', kind: string, fromMs = 0, toMs = 2000) =>
      source.rate({ metric, tags: { kind }, fromMs, toMs });
    assert.deepEqual(rate('unexpected_rate', 'fresh'), { samples: 5, matches: 1 });
    assert.deepEqual(rate('unexpected_rate', 'stale'), { samples: 1, matches: 0 });
    assert.deepEqual(rate('status_401_rate', 'valid'), { samples: 8, matches: 1 });
    assert.deepEqual(rate('unexpected_rate', 'valid', 1000), { samples: 4, matches: 0 });
    assert.deepEqual(log().tags(), ['valid', 'fresh', 'expired', 'refreshed', 'stale', 'reused', 'expiring']);
  });
});
