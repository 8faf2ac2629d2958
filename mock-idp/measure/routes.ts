/**
 * Admin routes of the measurements (`admin.stats` in the client):
 *   GET  /stats?since=<mark>&client=<id>   figures since a mark (or the last reset)
 *   POST /stats/marks {name}               open a mark → 201 {name, at}
 *   GET  /stats/marks                      { marks: [{name, at}] }
 *   POST /stats/reset                      204, zero every counter
 *   GET  /journal?limit=N                  { capacity, entries } newest last, secrets redacted
 *   GET  /events?after=SEQ&limit=N         { events } recent events as JSON (the SSE stream is
 *                                          served raw by measurements.eventStream)
 */
import { z } from 'zod';
import { AdminInputError } from '../contracts.ts';
import type { AdminRoute } from '../contracts.ts';
import { issuesToProblems } from '../faults/zod-helpers.ts';
import type { Measurements } from './measurements.ts';

export const MARK_NAME = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;

const markBody = z.strictObject({
  name: z.string().regex(MARK_NAME, 'must be 1–128 characters: letters, digits and . _ : @ / -'),
});

function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new AdminInputError(issuesToProblems(result.error.issues));
  return result.data;
}

/** An optional integer query parameter within bounds. */
function intParam(query: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new AdminInputError([
      { path: name, message: `must be an integer between ${min} and ${max} (got ${JSON.stringify(raw)})` },
    ]);
  }
  return n;
}

function stringParam(query: URLSearchParams, name: string): string | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  if (raw === '' || raw.length > 200)
    throw new AdminInputError([{ path: name, message: 'must be 1–200 characters' }]);
  return raw;
}

export function measurementRoutes(m: Measurements, journalCapacity: number): AdminRoute[] {
  return [
    {
      method: 'GET',
      pattern: '/stats',
      handle({ query }) {
        const since = stringParam(query, 'since');
        const client = stringParam(query, 'client');
        return {
          status: 200,
          body: m.stats({
            ...(since === undefined ? {} : { since }),
            ...(client === undefined ? {} : { client }),
          }),
        };
      },
    },
    {
      method: 'POST',
      pattern: '/stats/marks',
      handle({ body }) {
        const { name } = parse(markBody, body ?? {});
        return { status: 201, body: m.mark(name) };
      },
    },
    { method: 'GET', pattern: '/stats/marks', handle: () => ({ status: 200, body: { marks: m.marks() } }) },
    {
      method: 'POST',
      pattern: '/stats/reset',
      handle() {
        m.reset();
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      pattern: '/journal',
      handle({ query }) {
        const limit = intParam(query, 'limit', 1, journalCapacity);
        return { status: 200, body: { capacity: journalCapacity, entries: m.journal(limit) } };
      },
    },
    {
      method: 'GET',
      pattern: '/events',
      handle({ query }) {
        const after = intParam(query, 'after', 0, Number.MAX_SAFE_INTEGER);
        const limit = intParam(query, 'limit', 1, 10_000);
        return { status: 200, body: { events: m.events(after, limit) } };
      },
    },
  ];
}
