/**
 * What a recording holds: every series scraped during a run, one value per scrape tick. This is
 * the file format of `series.json` in a run's report directory, from which the generated
 * `promtool test rules` file can be rebuilt.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface RecordedSeries {
  /** Scrape interval; tick i was taken at `startedAtMs + i * intervalMs`. */
  readonly intervalMs: number;
  /** Wall clock (epoch ms) of tick 0. */
  readonly startedAtMs: number;
  /** Number of ticks taken. */
  readonly ticks: number;
  /** Series key (`name{label="value",…}`) → value per tick; null = not scraped that tick. */
  readonly series: Readonly<Record<string, readonly (number | null)[]>>;
  /** True when recording stopped at its tick limit before it was asked to stop. */
  readonly truncated: boolean;
}

export const SERIES_FILE = 'series.json';

/** Writes the recording to `dir/series.json` (creating dir). Returns the file's path. */
export async function writeRecording(dir: string, recording: RecordedSeries): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, SERIES_FILE);
  await writeFile(path, `${JSON.stringify(recording)}\n`);
  return path;
}

/** Reads a recording written by {@link writeRecording}. */
export async function readRecording(dir: string): Promise<RecordedSeries> {
  return JSON.parse(await readFile(join(dir, SERIES_FILE), 'utf8')) as RecordedSeries;
}

/** Milliseconds from tick 0 to the last tick. */
export function recordedSpanMs(recording: RecordedSeries): number {
  return Math.max(0, recording.ticks - 1) * recording.intervalMs;
}
