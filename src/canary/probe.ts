/**
 * One probe request to the target and its judgement: the status is compared with what the case
 * expects. For valid traffic that is the request's `expect` (any 2xx/3xx by default), so a 401
 * or a 403 is a failure exactly like a 5xx; a negative case expects its own status.
 */
import { withDeadline } from '../util/deadline.ts';
import type { RequestTemplate } from '../load/request-template.ts';
import type { RateCap } from './rate-cap.ts';
import type { ProbeKind, ProbeResult } from './result.ts';

/** A configured request, compiled once. */
export interface CanaryRequestTemplate {
  name: string;
  template: RequestTemplate;
}

export interface TargetClient {
  baseUrl: string;
  timeoutMs: number;
  cap: RateCap;
  signal: AbortSignal;
  /** performance.now() at the canary's start, for `atMs`. */
  startedAt: number;
}

export interface ProbeSpec {
  probe: ProbeKind;
  request: CanaryRequestTemplate;
  /** Undefined for the no-token case. */
  token: string | undefined;
  claims: Readonly<Record<string, unknown>>;
  /** Statuses that count as right; undefined = any 2xx/3xx. */
  expect: readonly number[] | undefined;
  /** Claim headers to drop or alter (the header cases). */
  faults?: { omit?: readonly string[]; mismatch?: readonly string[] };
  seq: number;
}

const DETAIL_CHARS = 300;

export function expectedLabel(expect: readonly number[] | undefined): string {
  return expect === undefined ? '2xx/3xx' : expect.join('|');
}

function statusOk(status: number, expect: readonly number[] | undefined): boolean {
  return expect === undefined ? status >= 200 && status < 400 : expect.includes(status);
}

function stamp(target: TargetClient): { at: string; atMs: number } {
  return { at: new Date().toISOString(), atMs: Math.round(performance.now() - target.startedAt) };
}

/** Sends one probe; never throws (a transport error is a failed probe). */
export async function sendProbe(spec: ProbeSpec, target: TargetClient): Promise<ProbeResult> {
  await target.cap.take(target.signal);
  const rendered = spec.request.template.render(
    {
      token: spec.token ?? '',
      claims: spec.claims,
      client: 'keystorm-canary',
      seq: spec.seq,
      phase: spec.probe,
    },
    spec.token === undefined
      ? { ...spec.faults, omit: [...(spec.faults?.omit ?? []), 'authorization'] }
      : spec.faults,
  );
  const base = {
    probe: spec.probe,
    request: spec.request.name,
    expected: expectedLabel(spec.expect),
    ...stamp(target),
  };
  const started = performance.now();
  try {
    // The deadline covers the body too: a target may send headers and then stall.
    const { response, text } = await withDeadline(target.timeoutMs, target.signal, async (signal) => {
      const answer = await fetch(new URL(rendered.path, target.baseUrl), {
        method: rendered.method,
        headers: rendered.headers,
        ...(rendered.body === undefined ? {} : { body: rendered.body }),
        redirect: 'manual',
        signal,
      });
      return { response: answer, text: await answer.text() };
    });
    const durationMs = performance.now() - started;
    const ok = statusOk(response.status, spec.expect);
    return {
      ...base,
      status: response.status,
      ok,
      durationMs,
      ...(ok ? {} : { detail: text.slice(0, DETAIL_CHARS) }),
    };
  } catch (error) {
    const e = error as Error;
    const reason =
      e.name === 'TimeoutError' ? 'timeout' : e.name === 'AbortError' ? 'aborted' : transportError(e);
    return { ...base, status: null, ok: false, durationMs: performance.now() - started, error: reason };
  }
}

/** A probe that could not be sent because no token could be had. */
export function tokenFailure(
  probe: ProbeKind,
  request: CanaryRequestTemplate,
  expect: readonly number[] | undefined,
  error: unknown,
  target: TargetClient,
): ProbeResult {
  return {
    probe,
    request: request.name,
    expected: expectedLabel(expect),
    ...stamp(target),
    status: null,
    ok: false,
    durationMs: 0,
    error: `token: ${(error as Error).message}`,
  };
}

/** `connection refused`, `reset` …: undici puts the system error code on the cause. */
function transportError(error: Error): string {
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? `transport: ${code}` : `transport: ${error.message}`;
}
