/**
 * Turns a flight into the bytes of one HTTP/1.1 request, written to the socket in a single
 * write: a latin1 string when the body is absent or ASCII, one Buffer otherwise. Part of the
 * lean `http:` path (see http1-parser.ts for why the engine does not go through undici there).
 *
 * Anything that could split the request (CR, LF or NUL in the method, path, a header name or
 * value — request smuggling) is refused the way undici refuses it: by token and field-value
 * rules, so the flight fails instead of going out.
 */

/** RFC 9110 token: methods and header names. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Not a valid field value character (same rule as undici's). */
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** Not a valid request-target character (same rule as undici's): no controls, no spaces. */
const BAD_PATH = /[^\x21-\xff]/;

/** Methods whose requests carry a body, so a missing one is announced as `content-length: 0`. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * The request's bytes, or `undefined` when it must not be sent. `host` is the `host:port` sent unless the headers carry their own `host`. A
 * `content-length` in the headers is replaced by the body's real length.
 */
export function encodeRequest(
  method: string,
  path: string,
  headers: Record<string, string> | undefined,
  body: string | Uint8Array | undefined,
  host: string,
): string | Buffer | undefined {
  if (!TOKEN.test(method)) return undefined;
  if (path === '' || BAD_PATH.test(path)) return undefined;
  let fields = '';
  let hasHost = false;
  if (headers !== undefined) {
    for (const name of Object.keys(headers)) {
      const raw: unknown = headers[name];
      if (raw === undefined || raw === null) continue;
      const value = typeof raw === 'string' ? raw : typeof raw === 'number' ? `${raw}` : undefined;
      if (value === undefined) return undefined;
      if (!TOKEN.test(name)) return undefined;
      if (BAD_VALUE.test(value)) return undefined;
      const special = name.length === 4 || name.length === 14 || name.length === 17 ? name.toLowerCase() : '';
      if (special === 'content-length') continue;
      if (special === 'transfer-encoding') return undefined;
      if (special === 'host') hasHost = true;
      fields += name + ': ' + value + '\r\n';
    }
  }
  const line = hasHost ? `${method} ${path} HTTP/1.1\r\n` : `${method} ${path} HTTP/1.1\r\nhost: ${host}\r\n`;
  if (body === undefined) {
    return line + fields + (BODY_METHODS.has(method) ? 'content-length: 0\r\n\r\n' : '\r\n');
  }
  const bodyLength = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  const head = `${line}${fields}content-length: ${bodyLength}\r\n\r\n`;
  // A string whose UTF-8 length equals its length is ASCII: latin1 writes it unchanged.
  if (typeof body === 'string' && bodyLength === body.length) return head + body;
  const bytes = Buffer.allocUnsafe(head.length + bodyLength);
  bytes.write(head, 0, 'latin1');
  if (typeof body === 'string') bytes.write(body, head.length, 'utf8');
  else bytes.set(body, head.length);
  return bytes;
}
