/**
 * The command-line form of a fault: `kind=latency,latency=200ms,target=idp,window.start=5s`.
 * Envelope keys (name, kind, target, probability, window.*, target.*) go to the envelope,
 * every other key to `attributes` (an explicit `attributes.x=` works too). Values that look
 * like numbers or booleans become them; `a|b` after `target.` makes a list. A value starting
 * with `{` is read as the whole spec in JSON, for anything the short form cannot say.
 */
import type { Problem } from '../errors.ts';

const ENVELOPE_KEYS = new Set(['name', 'kind', 'target', 'probability']);

/** Parses one `--fault` value; `path` names it in problems (e.g. `--fault[1]`). */
export function parseFaultArg(
  text: string,
  path: string,
): { spec: Record<string, unknown>; problems: Problem[] } {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed) as unknown;
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        return { spec: parsed as Record<string, unknown>, problems: [] };
      }
      return { spec: {}, problems: [{ path, message: 'JSON form must be an object' }] };
    } catch (error) {
      return { spec: {}, problems: [{ path, message: `not valid JSON: ${(error as Error).message}` }] };
    }
  }
  const spec: Record<string, unknown> = {};
  const problems: Problem[] = [];
  if (trimmed === '') return { spec, problems: [{ path, message: 'is empty; write kind=…,attribute=…' }] };
  for (const part of trimmed.split(',')) {
    const eq = part.indexOf('=');
    const key = (eq === -1 ? part : part.slice(0, eq)).trim();
    if (eq === -1 || key === '') {
      problems.push({ path, message: `${JSON.stringify(part)} is not key=value` });
      continue;
    }
    const raw = part.slice(eq + 1).trim();
    const segments = key.split('.');
    const head = segments[0] ?? key;
    let target: Record<string, unknown>;
    let leaf: string;
    if (segments.length === 1) {
      target = ENVELOPE_KEYS.has(key) ? spec : child(spec, 'attributes');
      leaf = key;
    } else if (segments.length === 2 && (head === 'window' || head === 'target' || head === 'attributes')) {
      if (head === 'target' && typeof spec.target === 'string') {
        problems.push({
          path: `${path}.target`,
          message: 'give either target=… or target.<field>=…, not both',
        });
        continue;
      }
      target = child(spec, head);
      leaf = segments[1] ?? '';
    } else {
      problems.push({
        path: `${path}.${key}`,
        message: 'unknown key (nested keys: window.*, target.*, attributes.*)',
      });
      continue;
    }
    if (leaf in target) {
      problems.push({ path: `${path}.${key}`, message: 'given twice' });
      continue;
    }
    target[leaf] =
      head === 'target' && segments.length === 2 && raw.includes('|') ? raw.split('|') : scalar(raw);
  }
  return { spec, problems };
}

function child(spec: Record<string, unknown>, key: string): Record<string, unknown> {
  const existing = spec[key];
  if (typeof existing === 'object' && existing !== null && !Array.isArray(existing)) {
    return existing as Record<string, unknown>;
  }
  const created: Record<string, unknown> = {};
  spec[key] = created;
  return created;
}

function scalar(raw: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  return raw;
}
