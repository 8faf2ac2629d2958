/**
 * Interruptible waits for one request. Every wait a fault does (a delay, a hang, the pause
 * between drip chunks) ends early when the client goes away or the fault ends (removed,
 * expired, cleared), so nothing outlives the fault and no timer is left behind.
 */
import type { ServerResponse } from 'node:http';

export type WaitResult = 'elapsed' | 'client-gone' | 'fault-ended';

/** Watches one response for the client going away; shared by all faults acting on the request. */
export class ClientWatch {
  #gone = false;
  #wake: ((result: WaitResult) => void) | undefined;
  readonly #res: ServerResponse;
  readonly #onClose = (): void => {
    if (this.#res.writableFinished) return;
    this.#gone = true;
    this.#wake?.('client-gone');
  };

  constructor(res: ServerResponse) {
    this.#res = res;
    // The socket may already be gone when a fault starts (the client gave up while we computed).
    this.#gone = res.destroyed || res.socket === null || res.socket.destroyed;
    res.once('close', this.#onClose);
  }

  get gone(): boolean {
    return this.#gone;
  }

  /**
   * Waits `ms` (or, with `ms` undefined, until interrupted). Resolves early with `client-gone` or
   * `fault-ended`. One wait at a time per request: requests are handled sequentially.
   */
  wait(ms: number | undefined, faultSignal: AbortSignal): Promise<WaitResult> {
    if (this.#gone) return Promise.resolve('client-gone');
    if (faultSignal.aborted) return Promise.resolve('fault-ended');
    if (ms !== undefined && ms <= 0) return Promise.resolve('elapsed');
    return new Promise<WaitResult>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (result: WaitResult): void => {
        if (timer !== undefined) clearTimeout(timer);
        faultSignal.removeEventListener('abort', onAbort);
        this.#wake = undefined;
        resolve(result);
      };
      const onAbort = (): void => finish('fault-ended');
      this.#wake = finish;
      faultSignal.addEventListener('abort', onAbort, { once: true });
      if (ms !== undefined) timer = setTimeout(finish, ms, 'elapsed');
    });
  }

  /** Stops listening (call once the request is done). */
  dispose(): void {
    this.#res.removeListener('close', this.#onClose);
    this.#wake = undefined;
  }
}

/** The waits available to one fault: the request's client watch bound to the fault's signal. */
export interface Interruptions {
  readonly clientGone: boolean;
  readonly faultEnded: boolean;
  /** Waits ms unless interrupted. */
  sleep(ms: number): Promise<WaitResult>;
  /** Waits until the client goes away or the fault ends (TTL bounds every fault). */
  hold(): Promise<WaitResult>;
}

export function bindInterruptions(watch: ClientWatch, signal: AbortSignal): Interruptions {
  return {
    get clientGone() {
      return watch.gone;
    },
    get faultEnded() {
      return signal.aborted;
    },
    sleep: (ms) => watch.wait(ms, signal),
    hold: () => watch.wait(undefined, signal),
  };
}
