/**
 * status: answers with an error status instead of the real response — 5xx outages, 429 rate
 * limiting (with Retry-After), or any 4xx a misconfigured provider returns.
 */
import { z } from 'zod';
import { defineResponseKind } from './kind.ts';
import { writePrepared } from '../response-io.ts';

const attributes = z.strictObject({
  status: z.number().int().min(400).max(599).default(503),
  /** Retry-After in seconds (or an HTTP date). 429 gets `1` unless given. */
  retryAfter: z.union([z.number().int().nonnegative(), z.string().min(1).max(64)]).optional(),
  /** Body: a string sent as is, or JSON. Default: an OAuth-style error object. */
  body: z.union([z.string().max(65_536), z.record(z.string(), z.unknown())]).optional(),
  contentType: z.string().min(1).max(200).optional(),
});

export type StatusAttributes = z.output<typeof attributes>;

export const statusKind = defineResponseKind({
  name: 'status',
  summary: 'error status instead of the response (5xx, 429 with Retry-After, any 4xx)',
  role: 'response',
  attributes,
  respond({ attributes: a, res }) {
    const headers: Record<string, string> = { 'cache-control': 'no-store' };
    const retryAfter = a.retryAfter ?? (a.status === 429 ? 1 : undefined);
    if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
    let body: Buffer;
    if (typeof a.body === 'string') {
      body = Buffer.from(a.body);
      headers['content-type'] = a.contentType ?? 'text/plain; charset=utf-8';
    } else {
      const error = a.status === 429 || a.status === 503 ? 'temporarily_unavailable' : 'server_error';
      body = Buffer.from(JSON.stringify(a.body ?? { error, error_description: `injected ${a.status}` }));
      headers['content-type'] = a.contentType ?? 'application/json';
    }
    writePrepared(res, { status: a.status, headers, body });
    return Promise.resolve(a.status);
  },
});
