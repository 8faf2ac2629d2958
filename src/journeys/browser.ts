/**
 * Which Chromium the journeys drive: `KEYSTORM_CHROMIUM` when set, else Playwright's own
 * browser when it was downloaded (`npx playwright install chromium` where that is possible),
 * else the distribution's package (`/usr/bin/chromium` on Debian). None → a HarnessError with
 * exit code 2 that says how to get one: a scenario that runs journeys cannot run without it.
 */
import { accessSync, constants } from 'node:fs';
import { chromium } from '@playwright/test';
import { ExitCode, HarnessError } from '../errors.ts';

/** Environment variable naming the Chromium executable to use. */
export const CHROMIUM_ENV = 'KEYSTORM_CHROMIUM';

/** Distribution packages, in the order they are tried. */
export const SYSTEM_CHROMIUMS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Playwright's downloaded Chromium, when there is one. */
function playwrightChromium(): string | undefined {
  try {
    const path = chromium.executablePath();
    return path !== '' && executable(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

/** Where a Chromium was found, and how. */
export interface ChromiumLocation {
  readonly path: string;
  readonly from: 'env' | 'playwright' | 'system';
}

/** Finds a Chromium or returns undefined (see {@link requireChromium} for the error). */
export function findChromium(
  env: Readonly<Record<string, string | undefined>> = process.env,
): ChromiumLocation | undefined {
  const chosen = env[CHROMIUM_ENV]?.trim();
  if (chosen !== undefined && chosen !== '')
    return executable(chosen) ? { path: chosen, from: 'env' } : undefined;
  const own = playwrightChromium();
  if (own !== undefined) return { path: own, from: 'playwright' };
  const system = SYSTEM_CHROMIUMS.find(executable);
  return system === undefined ? undefined : { path: system, from: 'system' };
}

/** Finds a Chromium or throws a HarnessError (exit 2) that says what was tried and what to do. */
export function requireChromium(
  env: Readonly<Record<string, string | undefined>> = process.env,
): ChromiumLocation {
  const found = findChromium(env);
  if (found !== undefined) return found;
  const chosen = env[CHROMIUM_ENV]?.trim();
  const tried =
    chosen !== undefined && chosen !== ''
      ? `${CHROMIUM_ENV}=${chosen} is not an executable file`
      : `tried Playwright's own browser and ${SYSTEM_CHROMIUMS.join(', ')}`;
  throw new HarnessError(
    'ERR_USAGE',
    `browser journeys need Chromium, and none was found (${tried}). Install one ` +
      `(Debian/Ubuntu: apt-get install -y chromium; elsewhere: npx playwright install chromium) ` +
      `or point ${CHROMIUM_ENV} at its executable.`,
    { exitCode: ExitCode.usage },
  );
}
