/**
 * Browser journeys: @playwright/test specs run alongside a scenario, judged by SLOs.
 *
 *   startJourneys({ journeys, baseUrl, reportDir, ... }) → driver (samples, stop())
 *   createJourneyMetricSource(() => driver.samples)     → MetricSource for journey_* metrics
 *   withJourneyMetrics(scenarioSource, journeySource)    → one source for evaluateSlos
 *   requireChromium()                                    → the browser, or HarnessError (exit 2)
 */
export { CHROMIUM_ENV, findChromium, requireChromium, SYSTEM_CHROMIUMS } from './browser.ts';
export type { ChromiumLocation } from './browser.ts';
export { startJourneys } from './driver.ts';
export type { JourneyDriver, JourneyDriverOptions } from './driver.ts';
export { createJourneyMetricSource, JOURNEY_METRICS, withJourneyMetrics } from './metric-source.ts';
export { readPlaywrightReport } from './playwright-report.ts';
export type { RunReading } from './playwright-report.ts';
export { PLAYWRIGHT_CONFIG, runJourneyOnce } from './run-once.ts';
export type { RunOnceOptions } from './run-once.ts';
export type { JourneyInput, JourneyOutcome, JourneySample } from './types.ts';
export {
  assertJourneys,
  checkJourneys,
  journeyName,
  journeysSchema,
  MIN_EVERY_MS,
  resolveSpec,
} from './validate.ts';
