/** Which files of a directory are k6 JSON outputs: `*.json`, `*.ndjson`, and those names + `.gz`. */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

const OUTPUT_NAME = /\.(nd)?json(\.gz)?$/i;

/** The k6 outputs in `dir`, sorted by name (not recursive). */
export async function listK6Outputs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && OUTPUT_NAME.test(e.name))
    .map((e) => join(dir, e.name))
    .sort();
}
