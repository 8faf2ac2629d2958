/** empty-keys: the JWKS endpoint answers 200 `{"keys":[]}` — a poisoned, empty key set (FM12). */
import { z } from 'zod';
import { defineResponseKind } from './kind.ts';
import { writePrepared } from '../response-io.ts';

const EMPTY = Buffer.from('{"keys":[]}');

export const emptyKeysKind = defineResponseKind({
  name: 'empty-keys',
  summary: 'JWKS answers 200 {"keys":[]}',
  role: 'response',
  endpoints: ['jwks'],
  attributes: z.strictObject({}),
  respond({ res }) {
    writePrepared(res, {
      status: 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: EMPTY,
    });
    return Promise.resolve(200);
  },
});
