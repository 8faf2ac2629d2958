/**
 * Streams k6 JSON outputs (one per runner) into ONE time-ordered stream of requests and dropped
 * starts. Each file is read line by line; the files are merged by time (k-way: one pending
 * event per file), so several runners whose time ranges overlap come out as a single load, and
 * memory stays bounded by the number of files, not their size. Malformed lines are counted and
 * skipped, never fatal; a file that cannot be read at all is reported as one malformed entry.
 */
import { basename } from 'node:path';
import { parseK6Line } from './k6-line.ts';
import { readLines } from './lines.ts';
import type { IngestReport } from './report.ts';
import { emptyReport, noteMalformed, noteMetric, notePoint, noteRequest } from './report.ts';
import { DROPPED_METRIC, REQUEST_METRIC, requestOf } from './to-sample.ts';
import type { K6Request } from './to-sample.ts';

export interface IngestOptions {
  /** Take only points of this scenario (`keystorm_scenario` tag); untagged points are taken too. */
  scenario?: string;
  /** Each request, in time order of its end across all files. */
  onRequest: (request: K6Request) => void;
  /** Starts k6 could not make, at `atMs` (epoch). */
  onDropped?: (atMs: number, count: number) => void;
  /** Stops reading (what was read so far stays ingested). */
  signal?: AbortSignal;
}

type K6Event = { atMs: number; request: K6Request } | { atMs: number; dropped: number };

/** Reads every file and feeds its requests, merged by time; resolves with what was seen. */
export async function ingestK6Outputs(
  files: readonly string[],
  options: IngestOptions,
): Promise<IngestReport> {
  const report = emptyReport();
  const streams = files.map((path) => fileEvents(path, report, options));
  const heads = await Promise.all(streams.map((s) => s.next()));
  for (;;) {
    if (options.signal?.aborted === true) break;
    let pick = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i];
      if (head === undefined || head.done === true) continue;
      const best = heads[pick];
      if (pick === -1 || (best?.done === false && head.value.atMs < best.value.atMs)) pick = i;
    }
    const head = heads[pick];
    const stream = streams[pick];
    if (head === undefined || head.done === true || stream === undefined) break;
    const event = head.value;
    if ('request' in event) {
      noteRequest(report, event.request.endMs);
      options.onRequest(event.request);
    } else {
      report.droppedIterations += event.dropped;
      options.onDropped?.(event.atMs, event.dropped);
    }
    heads[pick] = await stream.next();
  }
  await Promise.all(streams.map((s) => s.return(undefined)));
  return report;
}

/** One file's requests and drops, in file order; bookkeeping of every line goes to `report`. */
async function* fileEvents(
  path: string,
  report: IngestReport,
  options: IngestOptions,
): AsyncGenerator<K6Event> {
  const file = { path, lines: 0, points: 0, malformed: 0 };
  report.files.push(file);
  const name = basename(path);
  const malformed = (line: number, reason: string): void => {
    file.malformed++;
    noteMalformed(report, { file: name, line, reason });
  };
  try {
    for await (const { lineNo, text, overlong } of readLines(path)) {
      file.lines++;
      report.lines++;
      if (overlong) {
        malformed(lineNo, 'line longer than 1 MiB');
        continue;
      }
      if (text.trim() === '') continue;
      const parsed = parseK6Line(text);
      if (!parsed.ok) {
        malformed(lineNo, parsed.reason);
        continue;
      }
      const line = parsed.line;
      if (line.type === 'Metric') {
        noteMetric(report, line);
        continue;
      }
      const tagged = line.tags.keystorm_scenario;
      if (options.scenario !== undefined && tagged !== undefined && tagged !== options.scenario) {
        report.otherScenarios++;
        continue;
      }
      file.points++;
      notePoint(report, line.metric);
      // A generated script's own requests to the provider (tokens, sign-in, minting) carry no
      // `kind`: only requests to the SUT are the load.
      const toSut = line.metric === REQUEST_METRIC && line.tags.kind !== undefined;
      const taken = toSut || (line.metric === DROPPED_METRIC && line.value > 0);
      if (!taken) continue;
      // Only points that are taken must say their scenario (k6 may leave run-level ones such as vus untagged).
      if (tagged === undefined) report.untagged++;
      if (toSut) yield { atMs: line.timeMs, request: requestOf(line) };
      else yield { atMs: line.timeMs, dropped: Math.round(line.value) };
    }
  } catch (error) {
    // A file that vanished or is not gzip after all: what was read counts, the rest is reported.
    malformed(file.lines + 1, `unreadable: ${error instanceof Error ? error.message : String(error)}`);
  }
}
