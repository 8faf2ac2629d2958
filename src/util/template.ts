/**
 * The one `{{name}}` template syntax of keystorm: SUT commands, env and URLs (src/sut/template.ts)
 * and the requests the load sends (src/load/request-template.ts) are both parsed here, so a
 * placeholder means the same thing, and the same text is accepted or refused, everywhere.
 * Callers decide which names exist and what they render to.
 */

/** A piece of a parsed template: literal text, or a placeholder with its trimmed name. */
export type TemplatePart = { text: string } | { name: string; source: string };

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/**
 * Splits `text` into literal text and placeholders. A `{{` or `}}` that does not belong to a
 * placeholder is an error (a typo like `{{token}` would otherwise be sent as is).
 */
export function parseTemplate(text: string): { parts: TemplatePart[] } | { error: string } {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    if (m.index > last) parts.push({ text: text.slice(last, m.index) });
    parts.push({ name: m[1] ?? '', source: m[0] });
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  const literal = parts.map((p) => ('text' in p ? p.text : '')).join('');
  if (/\{\{|\}\}/.test(literal)) return { error: `unbalanced {{ }} in ${JSON.stringify(text)}` };
  return { parts };
}

/** Every placeholder name in `text`, in order (duplicates kept); none when it does not parse. */
export function placeholderNames(text: string): string[] {
  const parsed = parseTemplate(text);
  return 'error' in parsed ? [] : parsed.parts.flatMap((p) => ('name' in p ? [p.name] : []));
}
