/**
 * The request target of an HTTP/1.1 request line, checked before anything routes on it. Node's
 * parser lets through targets no client should send (`GET //[ HTTP/1.1`); parsing those with
 * `new URL` throws, and a server that let that escape answered 500. Here they are refused as
 * malformed, so the caller can answer 400.
 */

/** RFC 3986 path characters (pchar and `/`), query adds `?`; percent-escapes checked apart. */
const ORIGIN_FORM = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*(\?[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*)?$/;
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

export interface RequestTarget {
  /** The path, as sent (still percent-encoded). */
  path: string;
  /** The query without `?`; empty when none. */
  query: string;
}

/**
 * Splits an origin-form (`/a/b?x=1`) or absolute-form (`http://host/a/b?x=1`) target into path
 * and query; undefined when the target is malformed.
 */
export function parseRequestTarget(target: string): RequestTarget | undefined {
  let originForm = target;
  if (/^https?:\/\//i.test(target)) {
    if (!URL.canParse(target)) return undefined;
    const url = new URL(target);
    originForm = `${url.pathname}${url.search}`;
  }
  if (!ORIGIN_FORM.test(originForm) || BAD_ESCAPE.test(originForm)) return undefined;
  const q = originForm.indexOf('?');
  return q < 0
    ? { path: originForm, query: '' }
    : { path: originForm.slice(0, q), query: originForm.slice(q + 1) };
}
