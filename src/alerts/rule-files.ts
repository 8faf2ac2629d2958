/**
 * Reads Prometheus rule files just far enough to judge them: each alerting rule's name, `for:`
 * and how much data its expression looks back over (range windows, subquery ranges, offsets,
 * including those of recording rules it reads). The PromQL itself is never evaluated here —
 * promtool does that — but a rule that needs five minutes of data cannot fire in fifteen
 * seconds, and the verdict must say so.
 */
import { access, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface AlertRuleInfo {
  readonly alert: string;
  readonly file: string;
  readonly expr: string;
  /** `for:` in ms (0 when absent). */
  readonly forMs: number;
  /** Longest look-back of the expression (range + offset), recording rules it reads included. */
  readonly lookbackMs: number;
  /** Data a fault must produce before the rule can fire: lookback + for. */
  readonly requiredMs: number;
}

interface RawRule {
  alert?: unknown;
  record?: unknown;
  expr?: unknown;
  for?: unknown;
}

const PROM_UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};
const PROM_DURATION = /^(?:\d+(?:ms|s|m|h|d|w|y))+$/;

/** Parses a Prometheus duration (`1h30m`, `10s`, `500ms`); undefined if it is not one. */
export function parsePromDuration(text: string): number | undefined {
  if (!PROM_DURATION.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g))
    total += Number(m[1]) * (PROM_UNIT_MS[m[2] ?? 's'] ?? 0);
  return total;
}

/** Longest `[range]`, `[range:step]` + `offset` in expr (0 when it has none). */
export function exprLookbackMs(expr: string): number {
  let ranges = 0;
  for (const m of expr.matchAll(/\[\s*([0-9a-z]+)\s*(?::\s*[0-9a-z]*\s*)?\]/g)) {
    ranges = Math.max(ranges, parsePromDuration(m[1] ?? '') ?? 0);
  }
  let offsets = 0;
  for (const m of expr.matchAll(/\boffset\s+(-?)([0-9a-z]+)/g)) {
    if (m[1] === '') offsets = Math.max(offsets, parsePromDuration(m[2] ?? '') ?? 0);
  }
  return ranges + offsets;
}

/** Thrown when a rule file cannot be read as YAML rule groups (promtool check rules says why). */
export class RuleFileError extends Error {
  readonly file: string;
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'RuleFileError';
    this.file = file;
  }
}

/** Every alerting rule in files, in file order. */
export async function readAlertRules(files: readonly string[]): Promise<AlertRuleInfo[]> {
  const raw: { file: string; rule: RawRule }[] = [];
  for (const file of files) {
    let doc: unknown;
    try {
      doc = parseYaml(await readFile(file, 'utf8'));
    } catch (error) {
      throw new RuleFileError(file, error instanceof Error ? error.message : String(error));
    }
    const groups = (doc as { groups?: unknown } | null)?.groups;
    if (!Array.isArray(groups)) throw new RuleFileError(file, 'no "groups" list');
    for (const group of groups as { rules?: unknown }[]) {
      if (!Array.isArray(group?.rules)) continue;
      for (const rule of group.rules as RawRule[]) raw.push({ file, rule });
    }
  }
  const recorded = new Map<string, number>();
  for (const { rule } of raw) {
    if (typeof rule.record === 'string' && typeof rule.expr === 'string') {
      recorded.set(rule.record, exprLookbackMs(rule.expr));
    }
  }
  return raw.flatMap(({ file, rule }) => {
    if (typeof rule.alert !== 'string' || typeof rule.expr !== 'string') return [];
    const expr = rule.expr;
    let lookbackMs = exprLookbackMs(expr);
    for (const [name, ms] of recorded) {
      if (
        new RegExp(`(^|[^a-zA-Z0-9_:])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^a-zA-Z0-9_:])`).test(
          expr,
        )
      ) {
        lookbackMs = Math.max(lookbackMs, exprLookbackMs(expr) + ms);
      }
    }
    const forMs = typeof rule.for === 'string' ? (parsePromDuration(rule.for) ?? 0) : 0;
    return [{ alert: rule.alert, file, expr, forMs, lookbackMs, requiredMs: lookbackMs + forMs }];
  });
}

/**
 * Resolves `--alerts` / config rule file paths against cwd and lists every missing or
 * unreadable one by path (`--alerts[1]`), for one exit-2 message. Does not check syntax: that is
 * `promtool check rules`' job (see checkRuleFiles).
 */
export async function resolveRuleFiles(
  files: readonly string[],
  cwd: string,
  where = '--alerts',
): Promise<{ files: string[]; problems: { path: string; message: string }[] }> {
  const resolved = files.map((f) => resolve(cwd, f));
  const problems: { path: string; message: string }[] = [];
  await Promise.all(
    resolved.map(async (file, i) => {
      try {
        await access(file);
      } catch {
        problems.push({ path: `${where}[${i}]`, message: `${files[i] ?? ''}: no such rule file (${file})` });
      }
    }),
  );
  problems.sort((a, b) => a.path.localeCompare(b.path));
  return { files: resolved, problems };
}
