/**
 * The one mapping from a transport error (Node socket codes, undici codes) to the small set of
 * error classes the results report; both the `http:` and the `https:` paths go through it.
 */
import type { ErrorClass } from './types.ts';

/** Maps an undici/Node error to the small set of error classes the results report. */
export function classifyError(error: unknown): ErrorClass {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return 'reset';
    case 'ECONNREFUSED':
      return 'refused';
    case 'UND_ERR_DESTROYED':
    case 'UND_ERR_ABORTED':
    case 'UND_ERR_CLOSED':
    case 'ABORT_ERR':
      return 'aborted';
    default:
      return (error as { name?: unknown } | null)?.name === 'AbortError' ? 'aborted' : 'other';
  }
}
