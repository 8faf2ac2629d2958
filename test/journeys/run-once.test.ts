/**
 * A spec that cannot run at all is a sample with outcome `error` and Playwright's own message,
 * not a crash of the driver.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { requireChromium, runJourneyOnce } from '../../src/journeys/index.ts';

describe('one journey run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keystorm-run-once-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a spec that does not load as an error with the reason', async () => {
    const spec = join(dir, 'broken.spec.ts');
    writeFileSync(spec, "import { test } from '@playwright/test';\ntest('broken', async () => {\n");
    const reading = await runJourneyOnce({
      spec,
      baseUrl: 'http://127.0.0.1:9',
      outputDir: join(dir, 'out'),
      chromium: requireChromium().path,
      timeoutMs: 10_000,
    });
    assert.equal(reading.outcome, 'error');
    assert.match(reading.failure ?? '', /broken\.spec\.ts/);
  });
});
