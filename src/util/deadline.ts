/**
 * Runs `work` with a signal that aborts after `ms` or when `outer` aborts, and settles by then
 * whatever `work` does. `fetch(url, { signal: AbortSignal.any([outer, AbortSignal.timeout(ms)]) })`
 * alone is not enough: undici's fetch can lose the link to its signal under GC pressure and then
 * never settle (nodejs/node#55428, nodejs/undici#4984), and a probe must never wait forever. Our
 * own timer holds the rejection, so the deadline holds even then.
 *
 * Rejects with a `TimeoutError` DOMException at the deadline, with `outer.reason` when `outer`
 * aborts first.
 */
export async function withDeadline<T>(
  ms: number,
  outer: AbortSignal,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const deadline = new Promise<never>((_, reject) => {
    const fire = (reason: unknown): void => {
      controller.abort(reason);
      reject(reason instanceof Error ? reason : new Error(String(reason)));
    };
    timer = setTimeout(() => fire(new DOMException(`no answer within ${ms}ms`, 'TimeoutError')), ms);
    onAbort = () => fire(outer.reason);
    if (outer.aborted) onAbort();
    else outer.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) outer.removeEventListener('abort', onAbort);
  }
}
