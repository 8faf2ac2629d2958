/**
 * Typed client for the measurement admin routes (`admin.stats` of the mock-idp admin client).
 * The harness marks each scenario phase and reads the figures since that mark.
 */
import type { AdminRequest } from '../contracts.ts';
import type { ProviderEvent } from './event-hub.ts';
import type { JournalEntry } from './journal.ts';
import type { MarkInfo } from './measurements.ts';
import type { Stats } from './stats.ts';

export type { JournalEntry, MarkInfo, ProviderEvent, Stats };

export interface MeasurementClient {
  /** Figures since a mark (default: since the last reset), optionally for one client only. */
  get(options?: { since?: string; client?: string }): Promise<Stats>;
  /** Opens (or re-opens) a named mark. */
  mark(name: string): Promise<MarkInfo>;
  marks(): Promise<MarkInfo[]>;
  /** Zeroes every counter and clears marks and the journal. */
  reset(): Promise<void>;
  /** The last `limit` requests (newest last), secrets redacted. */
  journal(options?: { limit?: number }): Promise<JournalEntry[]>;
  /** Recent events with seq > after (poll); GET /events with Accept: text/event-stream streams them. */
  events(options?: { after?: number; limit?: number }): Promise<ProviderEvent[]>;
}

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

export function measurementClient(request: AdminRequest): MeasurementClient {
  return {
    get: (o = {}) => request<Stats>('GET', `/stats${query({ since: o.since, client: o.client })}`),
    mark: (name) => request<MarkInfo>('POST', '/stats/marks', { name }),
    marks: async () => (await request<{ marks: MarkInfo[] }>('GET', '/stats/marks')).marks,
    reset: async () => {
      await request<unknown>('POST', '/stats/reset');
    },
    journal: async (o = {}) =>
      (await request<{ entries: JournalEntry[] }>('GET', `/journal${query({ limit: o.limit })}`)).entries,
    events: async (o = {}) =>
      (
        await request<{ events: ProviderEvent[] }>(
          'GET',
          `/events${query({ after: o.after, limit: o.limit })}`,
        )
      ).events,
  };
}
