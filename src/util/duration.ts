/**
 * Durations as users write them (`250ms`, `5s`, `1m30s`, `2h`) or as plain milliseconds.
 * Used by configs, scenarios and CLI flags, so the message on a bad value names the value.
 */
const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(us|ms|s|m|h)/gy;

/** Parses a duration into milliseconds; returns undefined when it is not a duration. */
export function tryParseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === '') return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let m = PART.exec(text); m !== null; m = PART.exec(text)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? 'ms'] ?? 1);
    consumed = PART.lastIndex;
  }
  return consumed === text.length ? total : undefined;
}

/** Parses a duration into milliseconds or throws a TypeError naming the bad value. */
export function parseDuration(value: string | number, what = 'duration'): number {
  const ms = tryParseDuration(value);
  if (ms === undefined) {
    throw new TypeError(`${what}: ${JSON.stringify(value)} is not a duration (e.g. 250ms, 5s, 1m30s)`);
  }
  return ms;
}

/** Formats milliseconds for people: 850ms, 12.5s, 3m05s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m}m${String(s).padStart(2, '0')}s`;
}
