/**
 * The browser journeys run on: found where it is installed, a clear exit-2 error where it is not,
 * and a smoke run (launch, click, screenshot) that names both versions when the installed
 * Chromium and the one Playwright pins disagree.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { chromium } from '@playwright/test';
import { ExitCode, HarnessError } from '../../src/errors.ts';
import { findChromium, requireChromium, startJourneys } from '../../src/journeys/index.ts';

const PLAYWRIGHT_VERSION = (await import('@playwright/test/package.json', { with: { type: 'json' } })).default
  .version;

describe('chromium lookup', () => {
  it('finds an installed Chromium', () => {
    const found = findChromium({});
    assert.ok(found !== undefined, 'a Chromium is installed here (apt-get install chromium)');
    assert.ok(['playwright', 'system'].includes(found.from));
  });

  it('takes KEYSTORM_CHROMIUM when it names an executable', () => {
    const path = findChromium({})?.path ?? '';
    assert.deepEqual(findChromium({ KEYSTORM_CHROMIUM: path }), { path, from: 'env' });
  });

  it('refuses with exit code 2 and says how to install one when none is found', () => {
    assert.throws(
      () => requireChromium({ KEYSTORM_CHROMIUM: '/nonexistent/chromium' }),
      (error: unknown) =>
        error instanceof HarnessError &&
        error.exitCode === ExitCode.usage &&
        /KEYSTORM_CHROMIUM=\/nonexistent\/chromium is not an executable/.test(error.message) &&
        /apt-get install -y chromium/.test(error.message),
    );
  });

  it('does not start journeys without a browser', () => {
    const saved = process.env.KEYSTORM_CHROMIUM;
    process.env.KEYSTORM_CHROMIUM = '/nonexistent/chromium';
    try {
      assert.throws(
        () =>
          startJourneys({
            journeys: [{ spec: 'scenarios/browser/ask-answer.spec.ts', every: '10s' }],
            baseUrl: 'http://127.0.0.1:9',
            reportDir: tmpdir(),
          }),
        (error: unknown) => error instanceof HarnessError && error.exitCode === ExitCode.usage,
      );
    } finally {
      if (saved === undefined) delete process.env.KEYSTORM_CHROMIUM;
      else process.env.KEYSTORM_CHROMIUM = saved;
    }
  });
});

describe('chromium smoke run', () => {
  it('launches, clicks and takes a screenshot', async () => {
    const found = requireChromium();
    const browser = await chromium
      .launch({ executablePath: found.path, args: ['--disable-gpu', '--disable-quic'] })
      .catch((error: unknown) => {
        throw new Error(
          `Playwright ${PLAYWRIGHT_VERSION} could not launch ${found.path} (a browser much older than the one ` +
            `Playwright pins fails with protocol errors): ${String(error)}`,
        );
      });
    const dir = mkdtempSync(join(tmpdir(), 'keystorm-smoke-'));
    try {
      const page = await browser.newPage();
      await page.setContent('<button onclick="this.textContent = \'clicked\'">click me</button>');
      await page.getByRole('button').click();
      assert.equal(await page.getByRole('button').textContent(), 'clicked', `browser ${browser.version()}`);
      const png = await page.screenshot({ path: join(dir, 'smoke.png') });
      assert.ok(png.length > 100);
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
