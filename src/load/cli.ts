/**
 * `keystorm load URL` — a quick open-model check of one endpoint: constant arrival rate for a
 * duration, then corrected and uncorrected percentiles, statuses and late/dropped starts,
 * optional k6-style thresholds, and an exit code that says what happened (see `exitCodeOf`).
 *
 * The engine and the SLO layer are imported only once the arguments are valid, and the SLO
 * layer only when a threshold is given: `--help` or a typo costs no undici, zod or histograms.
 */
import { parseArgs } from 'node:util';
import { ExitCode } from '../errors.ts';
import { formatDuration, tryParseDuration } from '../util/duration.ts';
import { assertTargetAllowed } from '../util/loopback.ts';
import type { VerdictStatus } from '../result/types.ts';
import type { LatencySummary } from './histogram.ts';
import { LIMITS } from './limits.ts';
import type { ResolvedPhase } from './phases.ts';
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
  --threshold T         k6 threshold judged over the run, [METRIC:]EXPRESSION; repeatable.
                        METRIC defaults to request_duration (corrected latency, ms):
                          --threshold 'p(95)<500' --threshold 'unexpected_rate:rate<0.01'
  --no-warmup           do not open the connections (one request each) before the clock starts
  --allow-host H        allow a non-loopback host; repeatable
  --json                print one JSON object (the full summary) instead of text
  -h, --help            this help

exit codes: 0 done (every threshold met); 1 a threshold breached; 2 bad usage; 3 no request
succeeded (nothing was measured: the target is down or answers only errors); 130 interrupted.`;

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
  thresholds: string[];
  warmup: boolean;
}

// The flags are checked here against the engine's own bounds (engine.ts, limits.ts), because
// the CLI starts the engine's core directly, without its zod validation (see main).
function positive(
  flag: string,
  value: string | undefined,
  fallback: number,
  integer: boolean,
  max: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new TypeError(
      `${flag}: ${JSON.stringify(value)} must be a positive ${integer ? 'integer' : 'number'}`,
    );
  }
  if (n > max) throw new TypeError(`${flag}: ${value} is above the cap of ${max}`);
  return n;
}

function duration(flag: string, value: string | undefined, fallback: number, maxMs: number): number {
  if (value === undefined) return fallback;
  const ms = tryParseDuration(value);
  if (ms === undefined || ms <= 0) {
    throw new TypeError(
      `${flag}: ${JSON.stringify(value)} is not a positive duration (e.g. 250ms, 5s, 1m30s)`,
    );
  }
  if (ms > maxMs) throw new TypeError(`${flag}: ${value} is longer than the ${formatDuration(maxMs)} cap`);
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
      threshold: { type: 'string', multiple: true },
      'no-warmup': { type: 'boolean' },
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
  return {
    url,
    rate: positive('--rate', values.rate, 100, false, LIMITS.rate),
    durationMs: duration('--duration', values.duration, 10_000, LIMITS.phaseMs),
    connections: positive('--connections', values.connections, 10, true, 10_000),
    maxInFlight: positive('--max-in-flight', values['max-in-flight'], 1000, true, 1_000_000),
    method: method.toUpperCase(),
    headers,
    body: values.body,
    timeoutMs: duration('--timeout', values.timeout, 10_000, 3_600_000),
    allowHosts: values['allow-host'] ?? [],
    json: values.json === true,
    thresholds: values.threshold ?? [],
    warmup: values['no-warmup'] !== true,
  };
}

const fmt = (ms: number): string => ms.toFixed(ms < 10 ? 3 : ms < 1000 ? 2 : 0);

/** A latency row; "n/a" when there were no samples (a 0.000 would read as "instant"). */
function latencyRow(label: string, l: LatencySummary): string {
  const values = [l.p50, l.p90, l.p95, l.p99, l.p99_9, l.max];
  const cells = values.map((v) => (l.count === 0 ? 'n/a' : fmt(v)).padStart(10));
  return `  ${label.padEnd(12)}${cells.join('')}`;
}

/** The corrected percentiles with dropped starts counted as never answered. */
function droppedRow(s: LoadSummary): string | undefined {
  const d = s.correctedCountingDrops;
  if (d === undefined) return undefined;
  const cells = [d.p50, d.p90, d.p95, d.p99, d.p99_9].map((v) => (v === null ? 'dropped' : fmt(v)));
  return `  ${'+ drops'.padEnd(12)}${cells.map((c) => c.padStart(10)).join('')}`;
}

/** The human-readable report of a run. */
export function formatSummary(s: LoadSummary, url: string, rate: number, durationMs: number): string {
  const t = s.totals;
  const st = t.status;
  const e = t.errors;
  const w = s.warmup;
  const drops = droppedRow(s);
  const lines = [
    `keystorm load ${url} — ${rate}/s for ${formatDuration(durationMs)}, ${s.settings.connections} connections${s.aborted ? ' (interrupted)' : ''}`,
    ...(w === undefined
      ? []
      : [
          `warm-up    ${w.ok}/${w.requests} connections opened in ${fmt(w.durationMs)} ms, before the clock (not counted below)`,
        ]),
    `requests   ${t.requests} ended, achieved ${s.achievedRate.toFixed(1)}/s · started ${t.started} · late ${t.late} (>${s.settings.lateThresholdMs}ms) · dropped ${t.dropped} · peak in flight ${s.peakInFlight}`,
    `status     2xx ${st['2xx']} · 3xx ${st['3xx']} · 401 ${st['401']} · 403 ${st['403']} · other 4xx ${st['4xx']} · 5xx ${st['5xx']}` +
      (st.other > 0 ? ` · other ${st.other}` : ''),
    `errors     ${e.total} (timeout ${e.timeout}, reset ${e.reset}, refused ${e.refused}, aborted ${e.aborted}, other ${e.other}) · unexpected ${t.unexpected} (${(t.rates.unexpected * 100).toFixed(2)}%)`,
    `latency ms  ${['p50', 'p90', 'p95', 'p99', 'p99.9', 'max'].map((h) => h.padStart(10)).join('')}`,
    latencyRow(t.dropped > 0 ? 'corrected*' : 'corrected', t.latency.corrected),
    ...(drops === undefined ? [] : [drops]),
    latencyRow('uncorrected', t.latency.uncorrected),
    latencyRow('start lag', s.startLag),
    latencyRow('sched. lag', s.scheduleLag),
  ];
  if (t.dropped > 0) {
    lines.push(
      `  * leaves out the ${t.dropped} dropped starts (never sent, no latency); "+ drops" counts them as slower than any response`,
    );
  }
  if (s.sourceErrors.count > 0)
    lines.push(`request errors ${s.sourceErrors.count}: ${s.sourceErrors.first ?? ''}`);
  return lines.join('\n');
}

/**
 * The exit code of a finished run, and why when it is not 0. Modelled on k6, where thresholds
 * decide the verdict, with one difference k6 lacks: a run in which no request succeeded (every
 * one refused, timed out or answered with an unexpected status) measured nothing about the
 * target's performance, so it is a harness/infrastructure failure (3) — checked before the
 * thresholds, because "the target did not serve" must not read as "the target regressed" (1).
 */
export function exitCodeOf(
  summary: LoadSummary,
  thresholds: readonly { status: VerdictStatus; metric: string; expression: string }[],
): { code: number; reason?: string } {
  if (summary.aborted) return { code: ExitCode.interrupted, reason: 'interrupted' };
  const t = summary.totals;
  const succeeded = t.requests - t.unexpected;
  if (succeeded <= 0) {
    const e = t.errors;
    const causes = [
      ['refused', e.refused],
      ['reset', e.reset],
      ['timeout', e.timeout],
      ['aborted', e.aborted],
      ['other errors', e.other],
      ['unexpected statuses', t.responses],
    ]
      .filter(([, n]) => Number(n) > 0)
      .map(([what, n]) => `${String(n)} ${String(what)}`);
    const detail = causes.length > 0 ? causes.join(', ') : `${t.dropped} starts dropped, none ended`;
    return {
      code: ExitCode.harness,
      reason: `no request succeeded (${t.requests} ended: ${detail}); nothing was measured`,
    };
  }
  const breached = thresholds.filter((r) => r.status === 'fail');
  if (breached.length > 0) {
    const list = breached.map((r) => `${r.metric}:${r.expression}`).join(', ');
    return { code: ExitCode.sloBreach, reason: `threshold breached: ${list}` };
  }
  return { code: ExitCode.ok };
}

/** The one phase of `keystorm load`, resolved as phases.ts would (without loading zod). */
function constantArrival(rate: number, durationMs: number): ResolvedPhase {
  const expected = (rate * durationMs) / 1000;
  return {
    index: 0,
    name: 'load',
    type: 'arrival',
    segments: [{ fromRate: rate, toRate: rate, durationMs }],
    durationMs,
    maxRequests: Math.min(Math.ceil(expected + 1), LIMITS.phaseRequests),
  };
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
  const thresholds = options.thresholds.length > 0 ? await import('./cli-thresholds.ts') : undefined;
  const parsed = thresholds?.parseThresholds(options.thresholds);
  if (parsed !== undefined && parsed.problems.length > 0) {
    const list = parsed.problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n');
    console.error(`keystorm load: invalid thresholds:\n${list}`);
    return ExitCode.usage;
  }
  // Memory flags (src/load/cli-memory.ts), set before undici is loaded; this process runs
  // nothing else.
  const memory = await import('./cli-memory.ts');
  memory.applyLoadFlags();
  const { startResolvedLoad } = await import('./engine-core.ts');
  const { url, method, headers, body } = options;
  const path = url.pathname + url.search;
  const spec = { method, path, headers, kind: 'default', ...(body === undefined ? {} : { body }) };
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const run = startResolvedLoad(
    {
      target: url.origin,
      phases: [],
      source: () => spec,
      connections: options.connections,
      maxInFlight: options.maxInFlight,
      timeout: options.timeoutMs,
      allowHosts: options.allowHosts,
      signal: controller.signal,
      // This process does nothing but send: the precise, blocking final wait costs nobody.
      finalWait: 'block',
      ...(options.warmup ? { warmup: spec } : {}),
    },
    [constantArrival(options.rate, options.durationMs)],
  );
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
    const judged =
      thresholds === undefined || parsed === undefined
        ? []
        : thresholds.judgeThresholds(parsed.slos, result, summary.durationMs);
    if (options.json) {
      // `process`: what V8 made of the memory flags, read after the run (see cli-memory.ts).
      const report = { ...summary, process: memory.youngGeneration() };
      console.log(JSON.stringify(judged.length > 0 ? { ...report, thresholds: judged } : report));
    } else {
      console.log(formatSummary(summary, url.href, options.rate, options.durationMs));
      if (thresholds !== undefined && judged.length > 0) console.log(thresholds.formatThresholds(judged));
    }
    for (const warning of summary.warnings) console.error(`keystorm load: warning: ${warning}`);
    const verdict = exitCodeOf(summary, judged);
    if (verdict.reason !== undefined && verdict.code !== ExitCode.interrupted) {
      console.error(`keystorm load: exit ${verdict.code}: ${verdict.reason}`);
    }
    return verdict.code;
  } finally {
    if (progress !== undefined) clearInterval(progress);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
