/**
 * The one place the k6 driver gets its script from: k6-export's `writeK6Scripts`
 * (src/k6/export/index.ts), which turns a keystorm scenario into a k6 script that tags every
 * request with `kind` and `phase` and the run with `keystorm_scenario`. The module is loaded
 * when the driver needs it, so a build without the exporter fails with a clear message instead
 * of at start-up.
 */
import { HarnessError } from '../../errors.ts';

/** k6-export's contract (src/k6/export/index.ts). */
export type WriteK6Scripts = (
  scenarioNames: string[],
  options: { configPath?: string; outDir: string; cwd?: string },
) => Promise<string[]>;

const EXPORTER = new URL('../export/index.ts', import.meta.url).href;

/** Writes the k6 script of one scenario into `outDir`; returns its path. */
export async function exportK6Script(
  scenario: string,
  options: { configPath?: string; outDir: string; cwd?: string },
): Promise<string> {
  let writeK6Scripts: WriteK6Scripts | undefined;
  try {
    ({ writeK6Scripts } = (await import(EXPORTER)) as { writeK6Scripts?: WriteK6Scripts });
  } catch (error) {
    throw new HarnessError('ERR_INTERNAL', `the k6 script exporter could not be loaded (${String(error)})`);
  }
  if (typeof writeK6Scripts !== 'function')
    throw new HarnessError('ERR_INTERNAL', 'the k6 script exporter has no writeK6Scripts function');
  const [script] = await writeK6Scripts([scenario], options);
  if (script === undefined)
    throw new HarnessError('ERR_INTERNAL', `no k6 script was written for ${scenario}`);
  return script;
}
