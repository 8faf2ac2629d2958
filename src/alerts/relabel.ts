/**
 * A team's rules name their series their own way (`http_server_requests_total{code=…}`); keystorm
 * records the SUT's names. `relabel` maps their names onto recorded series, so their rule files
 * are evaluated unchanged: each mapped series is written under the team's name as well.
 */
import { parsePromText, seriesKey } from './prom-text.ts';

/**
 * Their metric name → the recorded metric it stands for: a name, or `{ from, labels }` where
 * `labels` maps their label names to recorded label names (`{ code: 'status' }`).
 */
export type RelabelMap = Readonly<
  Record<
    string,
    string | { readonly from: string; readonly labels?: Readonly<Record<string, string>> | undefined }
  >
>;

/** Series key → values, with every relabelled copy added (originals kept). */
export function applyRelabel<V>(
  series: Readonly<Record<string, V>>,
  relabel: RelabelMap | undefined,
): Record<string, V> {
  const out: Record<string, V> = { ...series };
  if (relabel === undefined) return out;
  for (const [key, values] of Object.entries(series)) {
    const parsed = parsePromText(`${key} 0`)[0];
    if (parsed === undefined) continue;
    for (const [theirName, rule] of Object.entries(relabel)) {
      const from = typeof rule === 'string' ? rule : rule.from;
      if (parsed.name !== from) continue;
      const labelMap = typeof rule === 'string' ? {} : (rule.labels ?? {});
      const ours = new Map(Object.entries(labelMap).map(([theirs, ourLabel]) => [ourLabel, theirs]));
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(parsed.labels)) labels[ours.get(k) ?? k] = v;
      out[seriesKey(theirName, labels)] = values;
    }
  }
  return out;
}

/** Problems with a relabel map, by path (`relabel.<name>`), for exit-2 validation. */
export function relabelProblems(relabel: unknown, path = 'relabel'): { path: string; message: string }[] {
  if (relabel === undefined) return [];
  if (typeof relabel !== 'object' || relabel === null || Array.isArray(relabel)) {
    return [{ path, message: 'must be an object mapping your metric names to recorded metric names' }];
  }
  const problems: { path: string; message: string }[] = [];
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
  for (const [theirs, rule] of Object.entries(relabel as Record<string, unknown>)) {
    const at = `${path}.${theirs}`;
    if (!name.test(theirs)) problems.push({ path: at, message: 'is not a metric name' });
    const from = typeof rule === 'string' ? rule : (rule as { from?: unknown } | null)?.from;
    if (typeof from !== 'string' || !name.test(from)) {
      problems.push({ path: at, message: 'must be a recorded metric name or { from, labels }' });
    }
    const labels =
      typeof rule === 'object' && rule !== null ? (rule as { labels?: unknown }).labels : undefined;
    if (labels !== undefined && (typeof labels !== 'object' || labels === null || Array.isArray(labels))) {
      problems.push({ path: `${at}.labels`, message: 'must map your label names to recorded label names' });
    }
  }
  return problems;
}
