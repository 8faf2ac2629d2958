/**
 * The event stream: provider events (key lifecycle, admin changes, faults added/expired, marks)
 * kept in a small ring for polling and pushed to Server-Sent-Events subscribers. A subscriber
 * that stops reading is dropped rather than buffered without bound.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface ProviderEvent {
  seq: number;
  /** ISO time. */
  at: string;
  type: string;
  issuer?: string;
  detail?: Record<string, unknown>;
}

const MAX_BUFFERED_BYTES = 1 << 20;
const HEARTBEAT_MS = 15_000;

export class EventHub {
  readonly #recent: ProviderEvent[] = [];
  readonly #capacity: number;
  readonly #subscribers = new Set<ServerResponse>();
  #seq = 0;
  #heartbeat: NodeJS.Timeout | undefined;
  readonly #now: () => number;

  constructor(now: () => number, capacity = 500) {
    this.#now = now;
    this.#capacity = capacity;
  }

  publish(event: {
    type: string;
    issuer?: string | undefined;
    detail?: Record<string, unknown> | undefined;
  }): ProviderEvent {
    const e: ProviderEvent = { seq: ++this.#seq, at: new Date(this.#now()).toISOString(), type: event.type };
    if (event.issuer !== undefined) e.issuer = event.issuer;
    if (event.detail !== undefined) e.detail = event.detail;
    this.#recent.push(e);
    if (this.#recent.length > this.#capacity) this.#recent.shift();
    if (this.#subscribers.size > 0) {
      const frame = formatFrame(e);
      for (const res of this.#subscribers) this.#send(res, frame);
    }
    return e;
  }

  /** Events with seq > after, oldest first, at most `limit`. */
  recent(after = 0, limit = this.#capacity): ProviderEvent[] {
    const out = this.#recent.filter((e) => e.seq > after);
    return out.slice(Math.max(0, out.length - limit));
  }

  /** Serves `GET /events` as text/event-stream; replays events after Last-Event-ID / ?after=. */
  serve(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const lastId = Number(req.headers['last-event-id'] ?? url.searchParams.get('after') ?? 0);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 1000\n\n');
    for (const e of this.recent(Number.isFinite(lastId) ? lastId : 0)) res.write(formatFrame(e));
    this.#subscribers.add(res);
    res.once('close', () => this.#unsubscribe(res));
    this.#heartbeat ??= setInterval(() => {
      for (const s of this.#subscribers) this.#send(s, ': ping\n\n');
    }, HEARTBEAT_MS).unref();
  }

  get subscribers(): number {
    return this.#subscribers.size;
  }

  clear(): void {
    this.#recent.length = 0;
  }

  /** Ends every stream (server shutdown). */
  close(): void {
    for (const res of this.#subscribers) res.end();
    this.#subscribers.clear();
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  #send(res: ServerResponse, frame: string): void {
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      this.#unsubscribe(res);
      res.destroy();
      return;
    }
    res.write(frame);
  }

  #unsubscribe(res: ServerResponse): void {
    this.#subscribers.delete(res);
    if (this.#subscribers.size === 0 && this.#heartbeat !== undefined) {
      clearInterval(this.#heartbeat);
      this.#heartbeat = undefined;
    }
  }
}

function formatFrame(e: ProviderEvent): string {
  return `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}
