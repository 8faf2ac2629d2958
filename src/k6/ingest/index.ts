/** Ingestion of k6 JSON output (`k6 run --out json=FILE`): see docs/k6-driver.md. */
export { ingestK6Outputs } from './ingest.ts';
export type { IngestOptions } from './ingest.ts';
export { listK6Outputs } from './files.ts';
export { ingestWarnings } from './report.ts';
export type { IngestReport, MalformedLine, MetricInfo } from './report.ts';
export { parseK6Line, parseRfc3339 } from './k6-line.ts';
export type { K6Line, K6MetricLine, K6PointLine } from './k6-line.ts';
export { requestOf, toRequestSample } from './to-sample.ts';
export type { K6Request } from './to-sample.ts';
