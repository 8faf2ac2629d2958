/**
 * The one place the k6 driver gets its script from: k6-export's `writeK6Scripts`
 * (src/k6/export/index.ts), which turns a keystorm scenario into a k6 script that tags every
 * request with `kind`, `token` and `phase` and the run with `keystorm_scenario`.
 */
import { HarnessError } from '../../errors.ts';
import { writeK6Scripts } from '../export/index.ts';

/** Writes the k6 script of one scenario into `outDir`, at the run's time scale; returns its path. */
export async function exportK6Script(
  scenario: string,
  options: { configPath?: string; outDir: string; cwd?: string; timeScale: number },
): Promise<string> {
  const [script] = await writeK6Scripts([scenario], { ...options, timeScale: String(options.timeScale) });
  if (script === undefined)
    throw new HarnessError('ERR_INTERNAL', `no k6 script was written for ${scenario}`);
  return script;
}
