/**
 * malformed-json: a 200 whose JSON does not parse — the real body cut short (`cut`), or
 * syntactically broken JSON that still looks like a key set (`garbage`), or a given body.
 * Content-Length matches what is sent: the transport succeeds, only parsing fails (FM12).
 */
import { z } from 'zod';
import { defineResponseKind } from './kind.ts';
import { writePrepared } from '../response-io.ts';

const GARBAGE = '{"keys":[{"kty":"RSA","kid":"broken",,"n":}';

const attributes = z.strictObject({
  mode: z.enum(['cut', 'garbage']).default('cut'),
  body: z.string().max(65_536).optional(),
});

export const malformedJsonKind = defineResponseKind({
  name: 'malformed-json',
  summary: 'a 200 with a JSON body that does not parse (correct Content-Length)',
  role: 'response',
  attributes,
  async respond({ attributes: a, res, produce }) {
    const prepared = await produce();
    let body: Buffer;
    if (a.body !== undefined) body = Buffer.from(a.body);
    else if (a.mode === 'garbage') body = Buffer.from(GARBAGE);
    else body = prepared.body.subarray(0, Math.max(1, Math.floor(prepared.body.length / 2)));
    const headers = withoutLength(prepared.headers);
    headers['content-type'] ??= 'application/json';
    writePrepared(res, { status: prepared.status, headers, body });
    return prepared.status;
  },
});

function withoutLength(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() !== 'content-length') out[k] = v;
  return out;
}
