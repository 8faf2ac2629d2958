/**
 * Child process of ingest-memory.test.ts: ingests the files named in argv under a small heap
 * limit and prints what it read and the highest heap use it saw, as one JSON line.
 */
import { ingestK6Outputs } from '../../src/k6/ingest/index.ts';

let peak = 0;
const sample = (): void => {
  peak = Math.max(peak, process.memoryUsage().heapUsed);
};
const timer = setInterval(sample, 20);
let requests = 0;
const report = await ingestK6Outputs(process.argv.slice(2), {
  scenario: 'baseline',
  onRequest: () => {
    if (++requests % 5000 === 0) sample();
  },
});
clearInterval(timer);
sample();
console.log(
  JSON.stringify({ requests, lines: report.lines, malformed: report.malformed.count, peakHeapBytes: peak }),
);
