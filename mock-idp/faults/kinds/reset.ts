/** reset: aborts the connection with a TCP RST instead of answering (ECONNRESET at the client). */
import { z } from 'zod';
import { defineResponseKind } from './kind.ts';
import { resetConnection } from '../response-io.ts';

export const resetKind = defineResponseKind({
  name: 'reset',
  summary: 'connection reset (TCP RST) instead of a response',
  role: 'response',
  attributes: z.strictObject({}),
  respond({ res }) {
    resetConnection(res.socket);
    return Promise.resolve('reset');
  },
});
