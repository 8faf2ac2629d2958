/**
 * Renders the option reference of docs/config.md from the schema, so each option is documented
 * exactly once (in schema.ts) and the docs cannot drift: test/config/reference.test.ts fails
 * when docs/config.md does not contain this output. Regenerate with:
 *
 *   node --import tsx src/config/reference.ts > /tmp/ref.md   (then paste between the markers)
 *   node --import tsx src/config/reference.ts --write          (rewrites docs/config.md in place)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { configSchema } from './schema.ts';

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  kind?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  format?: string;
  pattern?: string;
}

export const REFERENCE_BEGIN = '<!-- config-reference:begin (generated from src/config/schema.ts) -->';
export const REFERENCE_END = '<!-- config-reference:end -->';

function typeOf(schema: JsonSchema): string {
  if (schema.kind !== undefined) return schema.kind;
  if (schema.enum !== undefined) return schema.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (schema.anyOf !== undefined) return [...new Set(schema.anyOf.map(typeOf))].join(' \\| ');
  if (schema.properties !== undefined) return `{ ${Object.keys(schema.properties).join(', ')} }`;
  const type = Array.isArray(schema.type) ? schema.type.join(' \\| ') : schema.type;
  if (type === 'array') return `list of ${schema.items === undefined ? 'any' : typeOf(schema.items)}`;
  if (type === 'object' && typeof schema.additionalProperties === 'object') {
    return `map of ${typeOf(schema.additionalProperties)}`;
  }
  if (type === 'string' && schema.format === 'uri') return 'URL';
  return type ?? 'any';
}

function defaultOf(schema: JsonSchema): string {
  if (schema.default === undefined) return '–';
  if (
    typeof schema.default === 'object' &&
    schema.default !== null &&
    Object.keys(schema.default).length === 0
  ) {
    return Array.isArray(schema.default) ? '`[]`' : '`{}`';
  }
  return `\`${JSON.stringify(schema.default)}\``;
}

function rows(schema: JsonSchema, prefix: string): string[] {
  const out: string[] = [];
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const nested = child.properties !== undefined && child.kind === undefined;
    const description = (child.description ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
    out.push(
      `| \`${path}\` | ${nested ? 'object' : typeOf(child)} | ${nested ? '' : defaultOf(child)} | ${description} |`,
    );
    if (nested) out.push(...rows(child, path));
  }
  return out;
}

/** The generated Markdown: one table of every option with its type, default and meaning. */
export function renderConfigReference(): string {
  const json = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return [
    REFERENCE_BEGIN,
    // Prettier would re-align the table and so break the comparison with this output.
    '<!-- prettier-ignore-start -->',
    '',
    '| option | type | default | meaning |',
    '| --- | --- | --- | --- |',
    ...rows(json, ''),
    '',
    '<!-- prettier-ignore-end -->',
    REFERENCE_END,
  ].join('\n');
}

/** Replaces the generated block of a Markdown document. */
export function replaceReference(document: string, reference = renderConfigReference()): string {
  const begin = document.indexOf(REFERENCE_BEGIN);
  const end = document.indexOf(REFERENCE_END);
  if (begin === -1 || end === -1) throw new Error('the document has no config-reference markers');
  return document.slice(0, begin) + reference + document.slice(end + REFERENCE_END.length);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--write')) {
    const file = new URL('../../docs/config.md', import.meta.url);
    writeFileSync(file, replaceReference(readFileSync(file, 'utf8')));
  } else {
    process.stdout.write(`${renderConfigReference()}\n`);
  }
}
