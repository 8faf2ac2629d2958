/**
 * Playwright configuration of keystorm's browser journeys (scenarios/browser/*.spec.ts). The
 * journey driver (src/journeys) runs these specs through the Playwright CLI with
 * KEYSTORM_JOURNEY_BASE_URL (the SUT) and KEYSTORM_JOURNEY_OUTPUT (where screenshots and traces
 * of failed journeys go); `npx playwright test` by hand works the same with those set.
 * The browser is an installed Chromium (see src/journeys/browser.ts): no download at run time.
 */
import { defineConfig } from '@playwright/test';
import { requireChromium } from './src/journeys/browser.ts';

const chromium = requireChromium();

export default defineConfig({
  // The driver points this at a spec's own folder, so specs outside this repository run too.
  testDir: process.env.KEYSTORM_JOURNEY_DIR ?? 'scenarios/browser',
  testMatch: '**/*.spec.ts',
  outputDir: process.env.KEYSTORM_JOURNEY_OUTPUT ?? 'reports/journeys',
  // A journey is one attempt: a retry would hide exactly the flakiness a drill looks for.
  retries: 0,
  workers: 1,
  timeout: Number(process.env.KEYSTORM_JOURNEY_TIMEOUT_MS ?? 30_000),
  reporter: [['list']],
  use: {
    ...(process.env.KEYSTORM_JOURNEY_BASE_URL === undefined
      ? {}
      : { baseURL: process.env.KEYSTORM_JOURNEY_BASE_URL }),
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: { executablePath: chromium.path, args: ['--disable-gpu', '--disable-quic'] },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
});
