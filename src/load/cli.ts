/**
 * `keystorm load URL` — a quick open-model check of one endpoint: constant arrival rate for a
 * duration, then corrected and uncorrected percentiles, statuses and late/dropped starts.
 */
import { parseArgs } from 'node:util';
import { ExitCode } from '../errors.ts';
import { formatDuration, tryParseDuration } from '../util/duration.ts';
import { assertTargetAllowed } from '../util/loopback.ts';
import { startLoad } from './engine.ts';
import type { LatencySummary } from './histogram.ts';
import type { LoadSummary } from './result.ts';

const USAGE = `usage: keystorm load URL [options]

Sends requests to URL at a constant arrival rate (open model: starts happen on schedule
whatever the response time) and prints latency measured from the intended start
(coordinated-omission corrected) and from the actual send.

options:
  --rate N              starts per second (default 100)
  --duration D          how long to send, e.g. 10s, 1m (default 10s)
  --connections N       connection limit (default 10)
  --max-in-flight N     requests waiting or on the wire before starts are dropped (default 1000)
  --method M            HTTP method (default GET)
  --header K:V          request header; repeatable
  --body TEXT           request body
  --timeout D           per-request timeout (default 10s)
  --allow-host H        allow a non-loopback host; repeatable
  --json                print one JSON object (the full summary) instead of text
  -h, --help            this help`;

interface CliOptions {
  url: URL;
  rate: number;
  durationMs: number;
  connections: number;
  maxInFlight: number;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  timeoutMs: number;
  allowHosts: string[];
  json: boolean;
}

function positive(flag: string, value: string | undefined, fallback: number, integer: boolean): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new TypeError(
      `${flag}: ${JSON.stringify(value)} must be a positive ${integer ? 'integer' : 'number'}`,
    );
  }
  return n;
}

function duration(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = tryParseDuration(value);
  if (ms === undefined || ms <= 0) {
    throw new TypeError(
      `${flag}: ${JSON.stringify(value)} is not a positive duration (e.g. 250ms, 5s, 1m30s)`,
    );
  }
  return ms;
}

/** Parses the command line; throws a TypeError naming the flag and value on bad input. */
export function parseLoadArgs(argv: string[]): CliOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      rate: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      'max-in-flight': { type: 'string' },
      method: { type: 'string' },
      header: { type: 'string', multiple: true },
      body: { type: 'string' },
      timeout: { type: 'string' },
      'allow-host': { type: 'string', multiple: true },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return 'help';
  if (positionals.length !== 1) {
    throw new TypeError(
      `URL: expected exactly one target URL, got ${positionals.length} (${positionals.join(' ')})`,
    );
  }
  const raw = positionals[0] ?? '';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TypeError(`URL: ${JSON.stringify(raw)} is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`URL: ${JSON.stringify(raw)} must be an http:// or https:// URL`);
  }
  const headers: Record<string, string> = {};
  for (const header of values.header ?? []) {
    const colon = header.indexOf(':');
    const name = colon > 0 ? header.slice(0, colon).trim() : '';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw new TypeError(`--header: ${JSON.stringify(header)} must look like Name: value`);
    }
    headers[name.toLowerCase()] = header.slice(colon + 1).trim();
  }
  const method = values.method ?? 'GET';
  if (!/^[A-Za-z]+$/.test(method))
    throw new TypeError(`--method: ${JSON.stringify(method)} is not an HTTP method`);
  const rate = positive('--rate', values.rate, 100, false);
  if (rate > 1_000_000) throw new TypeError(`--rate: ${values.rate} is above the cap of 1000000/s`);
  const durationMs = duration('--duration', values.duration, 10_000);
  if (durationMs > 24 * 3_600_000)
    throw new TypeError(`--duration: ${values.duration} is longer than the 24h cap`);
  return {
    url,
    rate,
    durationMs,
    connections: positive('--connections', values.connections, 10, true),
    maxInFlight: positive('--max-in-flight', values['max-in-flight'], 1000, true),
    method: method.toUpperCase(),
    headers,
    body: values.body,
    timeoutMs: duration('--timeout', values.timeout, 10_000),
    allowHosts: values['allow-host'] ?? [],
    json: values.json === true,
  };
}

const fmt = (ms: number): string => ms.toFixed(ms < 10 ? 3 : ms < 1000 ? 2 : 0);

function latencyRow(label: string, l: LatencySummary): string {
  const cells = [l.p50, l.p90, l.p95, l.p99, l.p99_9, l.max].map((v) => fmt(v).padStart(10));
  return `  ${label.padEnd(12)}${cells.join('')}`;
}

/** The human-readable report of a run. */
export function formatSummary(s: LoadSummary, url: string, rate: number, durationMs: number): string {
  const t = s.totals;
  const st = t.status;
  const e = t.errors;
  const lines = [
    `keystorm load ${url} — ${rate}/s for ${formatDuration(durationMs)}, ${s.settings.connections} connections${s.aborted ? ' (interrupted)' : ''}`,
    `requests   ${t.requests} ended, achieved ${s.achievedRate.toFixed(1)}/s · started ${t.started} · late ${t.late} (>${s.settings.lateThresholdMs}ms) · dropped ${t.dropped} · peak in flight ${s.peakInFlight}`,
    `status     2xx ${st['2xx']} · 3xx ${st['3xx']} · 401 ${st['401']} · 403 ${st['403']} · other 4xx ${st['4xx']} · 5xx ${st['5xx']}` +
      (st.other > 0 ? ` · other ${st.other}` : ''),
    `errors     ${e.total} (timeout ${e.timeout}, reset ${e.reset}, refused ${e.refused}, aborted ${e.aborted}, other ${e.other}) · unexpected ${t.unexpected} (${(t.rates.unexpected * 100).toFixed(2)}%)`,
    `latency ms  ${['p50', 'p90', 'p95', 'p99', 'p99.9', 'max'].map((h) => h.padStart(10)).join('')}`,
    latencyRow('corrected', t.latency.corrected),
    latencyRow('uncorrected', t.latency.uncorrected),
    latencyRow('start lag', s.startLag),
    latencyRow('sched. lag', s.scheduleLag),
  ];
  if (s.sourceErrors.count > 0)
    lines.push(`request errors ${s.sourceErrors.count}: ${s.sourceErrors.first ?? ''}`);
  return lines.join('\n');
}

/** Entry point of `keystorm load`. */
export async function main(argv: string[]): Promise<number> {
  let options: CliOptions | 'help';
  try {
    options = parseLoadArgs(argv);
  } catch (error) {
    if (error instanceof TypeError) {
      console.error(`keystorm load: ${error.message}\n\n${USAGE}`);
      return ExitCode.usage;
    }
    throw error;
  }
  if (options === 'help') {
    console.log(USAGE);
    return ExitCode.ok;
  }
  // Checked before anything starts, so a refused target costs nothing (HarnessError → exit 2).
  assertTargetAllowed(options.url, options.allowHosts);
  const { url, method, headers, body } = options;
  const path = url.pathname + url.search;
  const spec = { method, path, headers, kind: 'default', ...(body === undefined ? {} : { body }) };
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const run = startLoad({
    target: url.origin,
    phases: [{ type: 'constant-arrival', name: 'load', rate: options.rate, duration: options.durationMs }],
    source: () => spec,
    connections: options.connections,
    maxInFlight: options.maxInFlight,
    timeout: options.timeoutMs,
    allowHosts: options.allowHosts,
    signal: controller.signal,
  });
  const progress = process.stderr.isTTY
    ? setInterval(() => {
        const p = run.snapshot();
        process.stderr.write(
          `[${formatDuration(p.elapsedMs)}] ${p.requests} req · ${p.rollingRate.toFixed(0)}/s · unexpected ${(p.errorRate * 100).toFixed(2)}% · p95 ${fmt(p.rollingP95)}ms · in flight ${p.inFlight} · dropped ${p.dropped}\n`,
        );
      }, 1000)
    : undefined;
  try {
    const result = await run.done;
    const summary = result.summary;
    console.log(
      options.json
        ? JSON.stringify(summary)
        : formatSummary(summary, url.href, options.rate, options.durationMs),
    );
    return summary.aborted ? ExitCode.interrupted : ExitCode.ok;
  } finally {
    if (progress !== undefined) clearInterval(progress);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
