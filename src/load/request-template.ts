/**
 * Request templates: method, path, headers and body with placeholders filled from the token
 * and its claims, e.g. `X-Gitlab-Instance-Id: {{claims.instance_id}}` — the header a SUT must
 * check against the claim (the Cloud Connector "header mismatch" 401s of the incident seeds).
 *
 * Placeholders: `{{token}}`, `{{claims.<dotted.path>}}`, `{{client}}` (simulated client id),
 * `{{seq}}` and `{{phase}}` (from the engine's context). A header whose claim is absent from the
 * token is left out (a malformed token has no claims at all). The `{{…}}` syntax is the one of
 * src/util/template.ts, shared with SUT templates.
 */
import { parseTemplate } from '../util/template.ts';

/** A template as written in a config. */
export interface RequestTemplateInput {
  /** Default GET. */
  method?: string;
  /** Path relative to the target, placeholders allowed (`/v1/{{claims.sub}}/code`). */
  path: string;
  /**
   * Headers, placeholders allowed. `Authorization: Bearer {{token}}` is added unless an
   * `authorization` header is given.
   */
  headers?: Record<string, string>;
  body?: string;
  /** Statuses a valid request expects (default: any 2xx or 3xx). */
  expect?: number[];
}

/** Values a template is rendered with. */
export interface TemplateValues {
  token: string;
  claims: Readonly<Record<string, unknown>>;
  client: string;
  seq: number;
  phase: string;
}

/** A rendered request (the engine's RequestSpec fields that templates own). */
export interface RenderedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

type Part = { text: string } | { ref: string[] };

interface CompiledText {
  parts: Part[];
  /** True when the text uses a claim: such a header is a "claim header". */
  usesClaims: boolean;
}

const REF = /^(token|client|seq|phase|claims(\.[A-Za-z0-9_$:-]+)+)$/;

/** A compiled template; render it once per request. */
export interface RequestTemplate {
  readonly method: string;
  /** Lower-case names of the headers filled from claims (candidates for omit / mismatch). */
  readonly claimHeaders: readonly string[];
  readonly expect: readonly number[] | undefined;
  /**
   * Renders the request. `omit` drops the named claim headers; `mismatch` replaces their value
   * with a different one (`<value>-mismatch`, or `keystorm-mismatch` when empty).
   */
  render(
    values: TemplateValues,
    faults?: { omit?: readonly string[]; mismatch?: readonly string[] },
  ): RenderedRequest;
}

/** Compiles a template; throws a TypeError naming the bad field and placeholder. */
export function compileTemplate(input: RequestTemplateInput, what = 'template'): RequestTemplate {
  if (typeof input.path !== 'string' || !input.path.startsWith('/')) {
    throw new TypeError(`${what}.path: must start with '/' (got ${JSON.stringify(input.path)})`);
  }
  const method = (input.method ?? 'GET').toUpperCase();
  if (!/^[A-Z]+$/.test(method))
    throw new TypeError(`${what}.method: ${JSON.stringify(input.method)} is not an HTTP method`);
  const path = compileText(input.path, `${what}.path`);
  const headers = new Map<string, CompiledText>();
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    const key = name.toLowerCase();
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(key))
      throw new TypeError(`${what}.headers: ${JSON.stringify(name)} is not a header name`);
    if (headers.has(key))
      throw new TypeError(`${what}.headers.${name}: given twice (header names ignore case)`);
    headers.set(key, compileText(value, `${what}.headers.${name}`));
  }
  if (!headers.has('authorization'))
    headers.set('authorization', compileText('Bearer {{token}}', 'authorization'));
  const body = input.body === undefined ? undefined : compileText(input.body, `${what}.body`);
  const claimHeaders = [...headers].filter(([, t]) => t.usesClaims).map(([name]) => name);
  const expect = input.expect === undefined ? undefined : [...input.expect];

  return {
    method,
    claimHeaders,
    expect,
    render(values, faults = {}) {
      const out: Record<string, string> = {};
      for (const [name, text] of headers) {
        if (faults.omit?.includes(name)) continue;
        const value = renderText(text, values);
        if (value === undefined) continue;
        out[name] = faults.mismatch?.includes(name) ? mismatched(value) : value;
      }
      const rendered: RenderedRequest = { method, path: renderText(path, values, true) ?? '', headers: out };
      if (body !== undefined) rendered.body = renderText(body, values, true) ?? '';
      return rendered;
    },
  };
}

function compileText(text: string, what: string): CompiledText {
  if (typeof text !== 'string') throw new TypeError(`${what}: must be a string`);
  const parsed = parseTemplate(text);
  if ('error' in parsed) throw new TypeError(`${what}: ${parsed.error}`);
  const parts = parsed.parts.map((part): Part => {
    if ('text' in part) return part;
    if (!REF.test(part.name)) {
      throw new TypeError(
        `${what}: unknown placeholder {{${part.name}}} (use token, client, seq, phase or claims.<name>)`,
      );
    }
    return { ref: part.name.split('.') };
  });
  const usesClaims = parts.some((p) => 'ref' in p && p.ref[0] === 'claims');
  return { parts, usesClaims };
}

/** Renders; undefined when a claim is absent (unless `lenient`, where it renders empty). */
function renderText(text: CompiledText, values: TemplateValues, lenient = false): string | undefined {
  let out = '';
  for (const part of text.parts) {
    if ('text' in part) {
      out += part.text;
      continue;
    }
    const value = lookup(part.ref, values);
    if (value === undefined) {
      if (!lenient) return undefined;
      continue;
    }
    out += value;
  }
  return out;
}

function lookup(ref: readonly string[], values: TemplateValues): string | undefined {
  const [head, ...rest] = ref;
  switch (head) {
    case 'token':
      return values.token;
    case 'client':
      return values.client;
    case 'seq':
      return String(values.seq);
    case 'phase':
      return values.phase;
    default: {
      let node: unknown = values.claims;
      for (const key of rest) {
        if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
        node = (node as Record<string, unknown>)[key];
      }
      if (typeof node === 'string') return node;
      if (typeof node === 'number' || typeof node === 'boolean' || typeof node === 'bigint')
        return String(node);
      // Arrays and objects (e.g. `aud` lists) render as JSON; functions/undefined cannot occur in a JWT.
      return node === undefined || node === null ? undefined : JSON.stringify(node);
    }
  }
}

function mismatched(value: string): string {
  return value === '' ? 'keystorm-mismatch' : `${value}-mismatch`;
}
