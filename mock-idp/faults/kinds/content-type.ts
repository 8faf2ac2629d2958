/**
 * content-type: the real status with a wrong Content-Type (text/html by default), keeping the
 * real body or replacing it with an HTML page such as a captive portal or a proxy error (FM12).
 */
import { z } from 'zod';
import { defineResponseKind } from './kind.ts';
import { writePrepared } from '../response-io.ts';

const HTML =
  '<!DOCTYPE html><html><head><title>Maintenance</title></head><body><h1>We will be back soon</h1></body></html>';

const attributes = z.strictObject({
  contentType: z.string().min(1).max(200).default('text/html; charset=utf-8'),
  body: z.enum(['keep', 'html']).default('keep'),
});

export const contentTypeKind = defineResponseKind({
  name: 'content-type',
  summary: 'wrong Content-Type (text/html by default), real body or an HTML page',
  role: 'response',
  attributes,
  async respond({ attributes: a, res, produce }) {
    const prepared = await produce();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(prepared.headers)) {
      const name = k.toLowerCase();
      if (name !== 'content-type' && name !== 'content-length') headers[k] = v;
    }
    headers['content-type'] = a.contentType;
    const body = a.body === 'html' ? Buffer.from(HTML) : prepared.body;
    writePrepared(res, { status: prepared.status, headers, body });
    return prepared.status;
  },
});
