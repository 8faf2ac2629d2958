/**
 * The settled state of a page, for journeys that must not look too early (the 2024-06-25
 * incident passed QA because the check ran before the error replaced the answer). A Settle
 * watches every request the page makes and every change of one element (its text and its
 * `data-kind`), and `settled()` resolves only after a quiet window: no request pending, none
 * started and no change of the element for `settleMs`. The window must be longer than any
 * deferred work of the page (its follow-up starts `GATEWAY_PAGE_FOLLOW_UP_DELAY` after the answer).
 */
import type { Page, Request } from '@playwright/test';

/** One state the watched element showed. `kind` is its `data-kind` (answer, error, pending …). */
export interface ShownState {
  readonly atMs: number;
  readonly kind: string;
  readonly text: string;
}

/** Default quiet window; `KEYSTORM_JOURNEY_SETTLE_MS` overrides it. */
export const SETTLE_MS = Number(process.env.KEYSTORM_JOURNEY_SETTLE_MS ?? 1500);

const BINDING = '__keystormShown';

/**
 * Page-side script (runs on every navigation): reports each change of `[data-testid=<testId>]`
 * to the binding. Plain JavaScript text, because this project type-checks without DOM types.
 */
function observerScript(binding: string, testId: string): string {
  return `(() => {
  let last = '';
  const report = () => {
    const el = document.querySelector(${JSON.stringify(`[data-testid="${testId}"]`)});
    if (!el) return;
    const kind = el.dataset.kind ?? '';
    const text = el.textContent ?? '';
    if (kind + '\\u0000' + text === last) return;
    last = kind + '\\u0000' + text;
    window[${JSON.stringify(binding)}]?.(kind, text);
  };
  const start = () => {
    new MutationObserver(report).observe(document.documentElement, {
      subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-kind'],
    });
    report();
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();`;
}

export class Settle {
  private readonly page: Page;
  private readonly pending = new Set<Request>();
  private readonly origin = performance.now();
  private lastActivity = performance.now();
  /** Every state the watched element showed, in order. */
  readonly shown: ShownState[] = [];

  private constructor(page: Page) {
    this.page = page;
    const touch = (): void => {
      this.lastActivity = performance.now();
    };
    page.on('request', (r) => {
      this.pending.add(r);
      touch();
    });
    const done = (r: Request): void => {
      this.pending.delete(r);
      touch();
    };
    // A response counts as the end: a page may never read a body it does not need (a 401 it
    // retries), and Chromium then never reports the request finished. Later DOM changes from a
    // streamed body still reset the quiet window.
    page.on('response', (r) => done(r.request()));
    page.on('requestfinished', done);
    page.on('requestfailed', done);
  }

  /** Starts watching `page` and its element `[data-testid=<testId>]`; call before the first navigation. */
  static async watch(page: Page, testId: string): Promise<Settle> {
    const settle = new Settle(page);
    await page.exposeFunction(BINDING, (kind: string, text: string) => {
      settle.shown.push({ atMs: Math.round(performance.now() - settle.origin), kind, text });
      settle.lastActivity = performance.now();
    });
    await page.addInitScript({ content: observerScript(BINDING, testId) });
    return settle;
  }

  /** Resolves once the page has been quiet for `settleMs`; throws after `timeoutMs` naming what is pending. */
  async settled(settleMs = SETTLE_MS, timeoutMs = 20_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.pending.size > 0 || performance.now() - this.lastActivity < settleMs) {
      if (performance.now() > deadline) {
        const urls = [...this.pending].map((r) => `${r.method()} ${r.url()}`).join(', ');
        throw new Error(`the page did not settle within ${timeoutMs} ms (pending: ${urls || 'none'})`);
      }
      await this.page.waitForTimeout(50);
    }
  }

  /** Marks where a step starts, for {@link Settle.since}. */
  mark(): number {
    return this.shown.length;
  }

  /** The states shown since a mark. */
  since(mark: number): readonly ShownState[] {
    return this.shown.slice(mark);
  }
}

/**
 * Fails unless the element settled on an answer that nothing replaced. An answer followed by
 * an error is the incident's finding and is named with both texts and their times.
 */
export function expectAnswerKept(states: readonly ShownState[]): ShownState {
  const relevant = states.filter((s) => s.kind === 'answer' || s.kind === 'error');
  const answer = relevant.find((s) => s.kind === 'answer');
  const replaced =
    answer === undefined
      ? undefined
      : relevant.slice(relevant.indexOf(answer) + 1).find((s) => s.kind === 'error');
  if (answer !== undefined && replaced !== undefined) {
    throw new Error(
      `answer replaced by error: the page showed the answer ${JSON.stringify(answer.text)} at ${answer.atMs} ms, ` +
        `then the error ${JSON.stringify(replaced.text)} replaced it at ${replaced.atMs} ms`,
    );
  }
  const last = relevant[relevant.length - 1];
  if (last === undefined) throw new Error('no answer: the page showed neither an answer nor an error');
  if (last.kind !== 'answer')
    throw new Error(`no answer: the page settled on the error ${JSON.stringify(last.text)}`);
  return last;
}
