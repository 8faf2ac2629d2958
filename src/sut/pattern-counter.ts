/**
 * Counts configured log patterns (e.g. `Old JWKS re-cached`) with the time of each match, so a
 * scenario can ask "how many during the outage window" rather than only "how many in total".
 */
export type LogPattern = string | RegExp;

/** Match timestamps kept per pattern; beyond this only the total keeps counting. */
const MAX_TIMESTAMPS = 1_000_000;

export class PatternCounter {
  private readonly patterns: [name: string, test: (line: string) => boolean][];
  private readonly hits = new Map<string, number[]>();
  private readonly totals = new Map<string, number>();

  constructor(patterns: Readonly<Record<string, LogPattern>>) {
    this.patterns = Object.entries(patterns).map(([name, pattern]) => {
      this.hits.set(name, []);
      this.totals.set(name, 0);
      if (typeof pattern === 'string') return [name, (line: string) => line.includes(pattern)];
      // A global/sticky RegExp keeps lastIndex between calls; a fresh copy without those flags does not.
      const regex = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
      return [name, (line: string) => regex.test(line)];
    });
  }

  /** Names of the configured patterns. */
  get names(): string[] {
    return this.patterns.map(([name]) => name);
  }

  /** Tests one line against every pattern and records the matches at `at`. */
  observe(line: string, at: number): void {
    for (const [name, test] of this.patterns) {
      if (!test(line)) continue;
      this.totals.set(name, (this.totals.get(name) ?? 0) + 1);
      const times = this.hits.get(name);
      if (times !== undefined && times.length < MAX_TIMESTAMPS) times.push(at);
    }
  }

  /**
   * Matches of pattern `name` with `from <= at < to` (whole capture by default).
   * @throws TypeError when `name` is not a configured pattern (a typo would otherwise read 0).
   */
  count(name: string, from = -Infinity, to = Infinity): number {
    const times = this.hits.get(name);
    if (times === undefined) {
      throw new TypeError(
        `logPatterns: no pattern named ${JSON.stringify(name)} (known: ${this.names.join(', ') || 'none'})`,
      );
    }
    if (from === -Infinity && to === Infinity) return this.totals.get(name) ?? 0;
    let n = 0;
    for (const t of times) if (t >= from && t < to) n++;
    return n;
  }

  /** Timestamps of the matches of `name` (as many as were kept). */
  times(name: string): readonly number[] {
    return this.hits.get(name) ?? [];
  }

  /** Totals of every pattern. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.totals);
  }
}
