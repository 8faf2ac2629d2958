/**
 * Readiness: one probe (`probeReady`, also what a scenario uses to assert that readiness
 * FAILS during a cold start in an outage) and a bounded poll loop (`waitUntilReady`).
 */
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { request, type Dispatcher } from 'undici';

export interface ReadyProbe {
  ready: boolean;
  /** HTTP status answered (HTTP probes only). */
  status?: number;
  /** Network error text, when there was no answer. */
  error?: string;
  /** The first bytes of the body of a non-2xx answer, for messages. */
  body?: string;
}

/** What to probe: an HTTP URL that must answer 2xx, or a TCP port that must accept. */
export type ReadyTarget = { kind: 'http'; url: string } | { kind: 'tcp'; host: string; port: number };

export function describeTarget(target: ReadyTarget): string {
  return target.kind === 'http' ? `GET ${target.url}` : `TCP ${target.host}:${target.port}`;
}

/** One readiness check; never throws. */
export async function probeReady(
  target: ReadyTarget,
  options: { timeoutMs?: number; dispatcher?: Dispatcher } = {},
): Promise<ReadyProbe> {
  const timeoutMs = options.timeoutMs ?? 2000;
  if (target.kind === 'tcp') return probeTcp(target.host, target.port, timeoutMs);
  try {
    const response = await request(target.url, {
      method: 'GET',
      headersTimeout: Math.ceil(timeoutMs),
      bodyTimeout: Math.ceil(timeoutMs),
      signal: AbortSignal.timeout(Math.ceil(timeoutMs)),
      ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
    });
    const text = await response.body.text();
    const ready = response.statusCode >= 200 && response.statusCode < 300;
    return ready
      ? { ready, status: response.statusCode }
      : { ready, status: response.statusCode, body: text.slice(0, 200) };
  } catch (error) {
    return { ready: false, error: errorText(error) };
  }
}

function probeTcp(host: string, port: number, timeoutMs: number): Promise<ReadyProbe> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (probe: ReadyProbe): void => {
      socket.destroy();
      resolve(probe);
    };
    socket.setTimeout(timeoutMs, () => done({ ready: false, error: `no TCP answer within ${timeoutMs}ms` }));
    socket.once('connect', () => done({ ready: true }));
    socket.once('error', (error) => done({ ready: false, error: errorText(error) }));
  });
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${code === undefined ? '' : `${code} `}${error.message}${cause}`;
}

/** Describes a failed probe for an error message. */
export function describeProbe(probe: ReadyProbe | undefined): string {
  if (probe === undefined) return 'no probe completed';
  if (probe.status !== undefined) {
    return `last answer ${probe.status}${probe.body === undefined || probe.body === '' ? '' : ` ${JSON.stringify(probe.body)}`}`;
  }
  return `last error: ${probe.error ?? 'unknown'}`;
}

export interface WaitOptions {
  timeoutMs: number;
  /** Pause between probes (ms). */
  intervalMs?: number;
  dispatcher?: Dispatcher;
  /** Stops waiting early (e.g. the process exited, or SIGINT): the loop checks it every round. */
  signal?: AbortSignal;
}

/**
 * Polls until the target is ready or the deadline passes. Resolves with the last probe either
 * way (`ready` tells which) and never throws, so the caller words the error with what it knows
 * (exit status, log tail). At most timeoutMs/intervalMs + 1 probes.
 */
export async function waitUntilReady(
  target: ReadyTarget,
  options: WaitOptions,
): Promise<ReadyProbe | undefined> {
  const deadline = performance.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 100;
  let last: ReadyProbe | undefined;
  // A function, not a property read: the signal changes while we await.
  const aborted = (): boolean => options.signal?.aborted === true;
  while (!aborted()) {
    const left = deadline - performance.now();
    if (left <= 0) break;
    const probeTimeout = Math.max(50, Math.min(2000, left));
    const probe = await probeReady(target, {
      timeoutMs: probeTimeout,
      ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
    });
    // A probe cut short by the deadline says little; the previous answer explains more.
    const truncated = !probe.ready && probe.status === undefined && probeTimeout < 2000 && last !== undefined;
    if (!truncated) last = probe;
    if (probe.ready || aborted()) break;
    const pause = Math.min(interval, deadline - performance.now());
    if (pause > 0) {
      await sleep(pause, undefined, options.signal === undefined ? {} : { signal: options.signal }).catch(
        () => undefined,
      );
    }
  }
  return last;
}
