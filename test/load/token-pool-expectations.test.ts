import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { TOKEN_SHAPES } from '../../mock-idp/tokens/mint.ts';
import { negativesSchema } from '../../src/canary/schema.ts';
import { EXPECTED, expectationFor, REQUEST_CASES, requestCase } from '../../src/load/outcome.ts';
import type { RequestCase } from '../../src/load/outcome.ts';

describe('the one expectation table', () => {
  it('expects 401 of every token a verifier must refuse, 403 of a missing scope, success of valid ones', () => {
    assert.equal(expectationFor({ token: 'expired' })?.join(), '401');
    assert.equal(expectationFor({ token: 'unknown-kid' })?.join(), '401');
    assert.equal(expectationFor({ token: 'alg-none' })?.join(), '401');
    assert.equal(expectationFor({ token: 'no-token' })?.join(), '401');
    assert.equal(expectationFor({ token: 'stale' })?.join(), '401');
    assert.equal(expectationFor({ token: 'missing-scope' })?.join(), '403');
    // Success: the route's statuses, else undefined (the engine's any 2xx/3xx).
    for (const token of ['fresh', 'expiring', 'refreshed', 'valid', 'short-lived'] as const) {
      assert.equal(expectationFor({ token }), undefined, token);
      assert.deepEqual(expectationFor({ token, success: [200, 201] }), [200, 201], token);
    }
  });

  it('has a row for every shape mock-idp mints, and nothing that is neither one status nor success', () => {
    for (const shape of TOKEN_SHAPES) assert.ok(shape in EXPECTED, shape);
    for (const c of REQUEST_CASES) {
      const row = EXPECTED[c];
      assert.ok(row === 'success' || (row.length === 1 && [401, 403].includes(row[0])), c);
    }
  });

  it('lets a bad token decide before faulted headers, and faulted headers before a missing scope', () => {
    assert.equal(requestCase('expired', 'mismatch'), 'expired');
    assert.equal(requestCase('stale', 'omit'), 'stale');
    assert.equal(requestCase('no-token', 'omit'), 'no-token');
    assert.equal(requestCase('fresh', 'omit'), 'header-missing');
    assert.equal(requestCase('refreshed', 'mismatch'), 'header-mismatch');
    assert.equal(requestCase('missing-scope', 'mismatch'), 'header-mismatch');
    assert.equal(requestCase('missing-scope'), 'missing-scope');
    assert.deepEqual(expectationFor({ token: 'fresh', headers: 'mismatch', success: [200] }), [401]);
  });

  it("uses a mix entry's own expect, except for a stale token, which is always expected refused", () => {
    assert.deepEqual(expectationFor({ token: 'fresh', declared: [403] }), [403]);
    assert.deepEqual(expectationFor({ token: 'expired', declared: [400] }), [400]);
    assert.deepEqual(expectationFor({ token: 'stale', declared: [200] }), [401]);
    assert.deepEqual(expectationFor({ token: 'stale', declared: [200, 503], success: [200] }), [401]);
  });

  it("gives the canary's negative cases their default statuses where they are the same cases", () => {
    const n = negativesSchema.parse({ missingScope: { scope: 'narrow' } });
    const pairs: [number | false, RequestCase][] = [
      [n.noToken, 'no-token'],
      [n.malformed, 'malformed'],
      [n.algNone, 'alg-none'],
      [n.badSignature, 'bad-signature'],
      [n.headerMissing, 'header-missing'],
      [n.headerMismatch, 'header-mismatch'],
      [n.missingScope?.expect ?? false, 'missing-scope'],
    ];
    for (const [status, c] of pairs) assert.deepEqual([status], EXPECTED[c], c);
  });

  it('is the table docs/token-pool.md prints, row for row', async () => {
    const doc = await readFile(new URL('../../docs/token-pool.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Expected answers'));
    const documented = new Map<string, string>();
    for (const line of section.split('\n')) {
      const cells = /^\|\s*(.+?)\s*\|\s*(.+?)\s*\|/.exec(line);
      if (cells === null || cells[1] === undefined || cells[2] === undefined) continue;
      for (const name of cells[1].matchAll(/`([^`]+)`/g)) documented.set(name[1] ?? '', cells[2]);
    }
    for (const c of REQUEST_CASES) {
      const row = EXPECTED[c];
      const shown = documented.get(c);
      assert.ok(shown !== undefined, `${c} is not in the documented table`);
      if (row === 'success') assert.match(shown, /route's `expect`/, c);
      else assert.equal(shown, String(row[0]), c);
    }
    assert.deepEqual([...documented.keys()].sort(), [...REQUEST_CASES].sort());
  });
});
