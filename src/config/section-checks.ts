/**
 * Cross-field checks that read the raw user config section by section, so they run even when
 * the schema rejected something elsewhere: one run of `keystorm run` then lists a duplicate
 * issuer or a bad `slos.extra` threshold together with every other mistake, not after them.
 */
import type { Problem } from '../errors.ts';
import { checkSlos, parseThreshold, SloSyntaxError } from '../slo/index.ts';
import { formatPath } from '../util/problems.ts';
import { LABEL_HINT, LABEL_NAME, METRIC_HINT, METRIC_NAME } from './schema.ts';

/** The issuers of the default config, when `idp.issuers` is absent. */
export const DEFAULT_ISSUER_NAMES = ['gitlab', 'customersdot'] as const;

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Issuer names as written (`'gitlab'` or `{ name: 'gitlab' }`), in order; unreadable entries skipped. */
export function rawIssuerNames(raw: Record<string, unknown>): { name: string; index: number }[] {
  const issuers = record(raw['idp'])?.['issuers'];
  if (issuers === undefined) return DEFAULT_ISSUER_NAMES.map((name, index) => ({ name, index }));
  if (!Array.isArray(issuers)) return [];
  return issuers.flatMap((entry: unknown, index) => {
    const name = typeof entry === 'string' ? entry : record(entry)?.['name'];
    return typeof name === 'string' ? [{ name, index }] : [];
  });
}

/** `idp.issuers[2]: 'gitlab' is already idp.issuers[0]`. */
export function duplicateIssuers(raw: Record<string, unknown>): Problem[] {
  const first = new Map<string, number>();
  const problems: Problem[] = [];
  for (const { name, index } of rawIssuerNames(raw)) {
    const seen = first.get(name);
    if (seen === undefined) first.set(name, index);
    else
      problems.push({ path: `idp.issuers[${index}]`, message: `'${name}' is already idp.issuers[${seen}]` });
  }
  return problems;
}

/** `proxy.ports` must name issuers, and no two issuers (nor the API) may share a fixed port. */
export function proxyPortProblems(raw: Record<string, unknown>): Problem[] {
  const proxy = record(raw['proxy']);
  const ports = record(proxy?.['ports']);
  if (ports === undefined) return [];
  const issuers = [...new Set(rawIssuerNames(raw).map((i) => i.name))];
  const problems: Problem[] = [];
  const owner = new Map<number, string>();
  const apiPort = proxy?.['port'];
  if (typeof apiPort === 'number' && apiPort > 0) owner.set(apiPort, 'proxy.port');
  for (const [name, port] of Object.entries(ports)) {
    const path = formatPath(['proxy', 'ports', name]);
    if (!issuers.includes(name)) {
      problems.push({
        path,
        message: `no issuer named '${name}'; issuers: ${issuers.join(', ') || '(none)'}`,
      });
    }
    if (typeof port !== 'number' || port === 0) continue;
    const taken = owner.get(port);
    if (taken !== undefined) problems.push({ path, message: `port ${port} is already ${taken}` });
    else owner.set(port, path);
  }
  return problems;
}

/** Every SLO of `slos.extra` and every threshold of `slos.override`, checked as far as readable. */
export function sloSectionProblems(raw: Record<string, unknown>): Problem[] {
  const slos = record(raw['slos']);
  if (slos === undefined) return [];
  const problems: Problem[] = [];
  if (Array.isArray(slos['extra']))
    problems.push(...checkSlos(slos['extra'], { path: 'slos.extra' }).problems);
  for (const [scenario, entries] of Object.entries(record(slos['override']) ?? {})) {
    for (const [name, override] of Object.entries(record(entries) ?? {})) {
      const fields = record(override);
      if (fields === undefined) continue;
      problems.push(...overrideProblems(fields, formatPath(['slos', 'override', scenario, name])));
    }
  }
  return problems;
}

function overrideProblems(override: Record<string, unknown>, at: string): Problem[] {
  const problems: Problem[] = [];
  const { threshold, thresholds } = override;
  if (threshold !== undefined && thresholds !== undefined) {
    problems.push({ path: at, message: 'give either threshold or thresholds, not both' });
  }
  const expressions = [
    ...(typeof threshold === 'string' ? [{ text: threshold, path: `${at}.threshold` }] : []),
    ...(Array.isArray(thresholds) ? thresholds : []).flatMap((text: unknown, i) =>
      typeof text === 'string' ? [{ text, path: `${at}.thresholds[${i}]` }] : [],
    ),
  ];
  for (const expression of expressions) {
    try {
      parseThreshold(expression.text);
    } catch (error) {
      if (!(error instanceof SloSyntaxError)) throw error;
      problems.push({
        path: expression.path,
        message: `${error.message} in ${JSON.stringify(expression.text)}`,
      });
    }
  }
  return problems;
}

/**
 * The names `alerts.relabel` maps from (its keys, and the keys of each `labels`) must be
 * Prometheus names; the schema checks the values. Read raw so a bad key is listed with the rest.
 */
export function relabelKeyProblems(raw: Record<string, unknown>): Problem[] {
  const relabel = record(record(raw['alerts'])?.['relabel']);
  const problems: Problem[] = [];
  for (const [name, rule] of Object.entries(relabel ?? {})) {
    const at = ['alerts', 'relabel', name];
    if (!METRIC_NAME.test(name)) problems.push({ path: formatPath(at), message: METRIC_HINT });
    for (const label of Object.keys(record(record(rule)?.['labels']) ?? {})) {
      if (!LABEL_NAME.test(label))
        problems.push({ path: formatPath([...at, 'labels', label]), message: LABEL_HINT });
    }
  }
  return problems;
}
