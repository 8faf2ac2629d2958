import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../src/errors.ts';
import { selectScenarios } from '../../src/scenario/select.ts';
import { runCli } from '../e2e/cli.ts';

const names = (list: unknown[]): string[] => list.map((s) => (s as { name: string }).name);

describe('scenario selection by tag', () => {
  it('keeps the selected scenarios that carry one of the tags', async () => {
    const all = [{ kind: 'builtin' as const, pattern: '*' }];
    assert.deepEqual(names(await selectScenarios(all, 'scenarios', { tags: ['smoke'] })), ['baseline']);
    const canary = names(await selectScenarios(all, 'scenarios', { tags: ['canary'] }));
    assert.ok(canary.includes('auth-edge-cases') && canary.includes('baseline'), canary.join(', '));
    assert.ok(!canary.includes('cache-stampede'));
    const inline = { kind: 'inline' as const, scenario: { name: 'mine', tags: ['smoke'] } };
    assert.deepEqual(
      names(
        await selectScenarios([{ kind: 'builtin', pattern: 'cache-*' }, inline], 'x', { tags: ['smoke'] }),
      ),
      ['mine'],
    );
  });

  it('refuses a tag no selected scenario has, naming the flag', async () => {
    await assert.rejects(
      selectScenarios([{ kind: 'builtin', pattern: 'cache-*' }], 'scenarios', { tags: ['smoke'] }),
      (e: unknown) => e instanceof ValidationError && e.problems[0]?.path === '--tag',
    );
    const r = await runCli(['run', '--tag', 'no-such-tag', '--out', '/tmp/keystorm-no-such-tag'], {
      timeoutMs: 60_000,
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--tag: no selected scenario has the tag "no-such-tag"/);
  });
});
