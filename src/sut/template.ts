/**
 * `{{dotted.path}}` templates in SUT commands, env, URLs and request headers. The values come
 * from a plain context object the caller builds (the runner puts the IdP's URLs through the
 * proxy, the proxy's URL and the replica's identity in it), so this file knows no names: an
 * unknown placeholder is an error that names it and lists what is known. The syntax is the one
 * of src/util/template.ts, shared with request templates.
 */
import { ValidationError, type Problem } from '../errors.ts';
import { tryParseDuration } from '../util/duration.ts';
import { parseTemplate, placeholderNames } from '../util/template.ts';

/** Values a template can read: nested plain objects of strings, numbers and booleans. */
export interface TemplateContext {
  readonly [key: string]: TemplateValue;
}
export type TemplateValue = string | number | boolean | TemplateContext | undefined;

const SCALED = /^scaled\s+(.+)$/;

/** Every placeholder name in `text`, in order of appearance (duplicates kept). */
export function placeholdersIn(text: string): string[] {
  return placeholderNames(text);
}

/** Every leaf path of a context (`idp.gitlab.jwks`, `port`…), for error messages. */
export function knownPlaceholders(context: TemplateContext, prefix = ''): string[] {
  return Object.entries(context).flatMap(([key, value]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (value === undefined) return [];
    return typeof value === 'object' ? knownPlaceholders(value, path) : [path];
  });
}

function lookup(context: TemplateContext, path: string): TemplateValue {
  let node: TemplateValue = context;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

/**
 * Collects the problems of many renders so that one error lists every bad placeholder of a
 * SUT definition, not only the first.
 */
export class TemplateRenderer {
  readonly problems: Problem[] = [];
  constructor(private readonly context: TemplateContext) {}

  /** Renders `text`; on an unknown placeholder records a problem at `where` and leaves it as is. */
  render(text: string, where: string): string {
    const parsed = parseTemplate(text);
    if ('error' in parsed) {
      this.problems.push({ path: where, message: parsed.error });
      return text;
    }
    return parsed.parts.map((part) => ('text' in part ? part.text : this.placeholder(part, where))).join('');
  }

  private placeholder({ name, source: whole }: { name: string; source: string }, where: string): string {
    const scaled = SCALED.exec(name);
    if (scaled !== null) return this.renderScaled(whole, scaled[1] ?? '', where);
    const value = lookup(this.context, name);
    if (value === undefined) {
      this.problems.push({ path: where, message: `unknown placeholder ${whole}${this.hint()}` });
      return whole;
    }
    if (typeof value === 'object') {
      const keys = knownPlaceholders(value, name);
      this.problems.push({
        path: where,
        message: `placeholder ${whole} is a group, not a value; use one of: ${keys.map((k) => `{{${k}}}`).join(', ')}`,
      });
      return whole;
    }
    return String(value);
  }

  /** Renders every value of a record (keys are kept as they are). */
  renderRecord(record: Readonly<Record<string, string>>, where: string): Record<string, string> {
    return Object.fromEntries(
      Object.entries(record).map(([key, value]) => [key, this.render(value, `${where}.${key}`)]),
    );
  }

  /** Throws one ValidationError listing every problem recorded so far. */
  throwIfProblems(what: string): void {
    if (this.problems.length > 0) throw new ValidationError(what, this.problems);
  }

  /**
   * `{{scaled 10s}}`: a duration multiplied by the run's time scale (`timeScale` in the context,
   * default 1), in milliseconds — so a SUT's TTLs and cooldowns shrink with the scenarios.
   */
  private renderScaled(whole: string, text: string, where: string): string {
    const ms = tryParseDuration(text.trim());
    if (ms === undefined) {
      this.problems.push({
        path: where,
        message: `${whole}: ${JSON.stringify(text.trim())} is not a duration (e.g. 10s)`,
      });
      return whole;
    }
    const factor = typeof this.context.timeScale === 'number' ? this.context.timeScale : 1;
    return `${Math.max(1, Math.round(ms * factor))}ms`;
  }

  private hint(): string {
    const known = knownPlaceholders(this.context);
    return known.length === 0 ? ' (no placeholders are defined here)' : `; known: ${known.join(', ')}`;
  }
}

/** Renders one template or throws a ValidationError naming the unknown placeholder. */
export function renderTemplate(text: string, context: TemplateContext, where = 'template'): string {
  const renderer = new TemplateRenderer(context);
  const out = renderer.render(text, where);
  renderer.throwIfProblems('template');
  return out;
}
