/**
 * Durations that depend on the SUT's own key-cache timings. A scenario written for one
 * verifier's 10 s TTL says nothing about a verifier that caches for 10 minutes: an 8 s outage
 * never outlasts that cache and the drill passes without the fault ever being met. So scenario
 * durations may name the SUT's timings — `'ttl + 8s'`, `'max(2*cooldown, 3s)'` — and each run
 * resolves them from the SUT profile (config `sut.profile`, or `keystorm calibrate`) into plain
 * milliseconds before anything else reads the scenario.
 *
 * Grammar: sum of terms (`+`, `-`); a term is an optional factor (`2*`) times a duration
 * (`250ms`, `5s`, `1m30s`), a timing name, `max(a, b, …)` or `min(a, b, …)`, or a parenthesised
 * expression. All values are drill time, like every other scenario duration: the profile's real
 * timings are divided by the time scale, so after the runner scales the scenario the SUT meets
 * its true TTL.
 */
import { tryParseDuration } from '../util/duration.ts';

/** The SUT timings a scenario duration may name. */
export const TIMING_NAMES = ['ttl', 'refreshAhead', 'cooldown', 'fetchTimeout', 'clockTolerance'] as const;
export type TimingName = (typeof TIMING_NAMES)[number];

/** Drill-time milliseconds for every timing name, and where each value came from. */
export interface ScenarioTimings {
  readonly ms: Readonly<Record<TimingName, number>>;
  /** The run's time scale (fault attributes are real time, not drill time: they are multiplied back). */
  readonly timeScale: number;
  readonly source: Readonly<Record<TimingName, 'profile' | 'default'>>;
}

/**
 * Timings assumed when the profile says nothing: the example gateway's drill settings. A SUT
 * that differs will show it in the scenarios' preconditions (an outage met by no fetch is
 * inconclusive), and the report names these values as defaults.
 */
export const DEFAULT_TIMINGS_MS: Readonly<Record<TimingName, number>> = {
  ttl: 10_000,
  refreshAhead: 2_000,
  cooldown: 2_000,
  fetchTimeout: 3_000,
  clockTolerance: 5_000,
};

/**
 * Builds the timings of a run from the SUT profile's real milliseconds (missing ones default),
 * converted to drill time.
 */
export function timingsFromProfile(
  profileMs: Partial<Record<TimingName, number>>,
  timeScale: number,
): ScenarioTimings {
  const ms = {} as Record<TimingName, number>;
  const source = {} as Record<TimingName, 'profile' | 'default'>;
  for (const name of TIMING_NAMES) {
    const real = profileMs[name];
    ms[name] = real === undefined ? DEFAULT_TIMINGS_MS[name] : real / timeScale;
    source[name] = real === undefined ? 'default' : 'profile';
  }
  return { ms, source, timeScale };
}

/** A duration or a timing expression; numbers are milliseconds. */
export type TimedDuration = string | number;

/**
 * Evaluates a duration that may name timings, against the given values (drill ms for scenario
 * offsets, real ms for fault attributes). Returns an error message instead of throwing.
 */
export function evaluateDuration(
  input: TimedDuration,
  values: Readonly<Record<TimingName, number>>,
): { ms: number } | { error: string } {
  if (typeof input === 'number') return { ms: input };
  const plain = tryParseDuration(input);
  if (plain !== undefined) return { ms: plain };
  try {
    const parser = new ExpressionParser(input, values);
    const ms = parser.parse();
    if (!Number.isFinite(ms)) return { error: `${JSON.stringify(input)} is not a finite duration` };
    return { ms: Math.round(ms) };
  } catch (error) {
    return { error: `${JSON.stringify(input)}: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** The timing names a duration's text mentions. */
export function timingsNamed(input: TimedDuration): TimingName[] {
  return typeof input === 'string'
    ? TIMING_NAMES.filter((name) => new RegExp(`\\b${name}\\b`).test(input))
    : [];
}

/** True when the text names a timing (so its value depends on the SUT profile). */
export function namesTiming(input: TimedDuration): boolean {
  return timingsNamed(input).length > 0;
}

const TOKEN =
  /\s*(?:(\d+(?:\.\d+)?(?:ms|s|m|h)(?:\d+(?:\.\d+)?(?:ms|s|m|h))*)|(\d+(?:\.\d+)?)|([A-Za-z]+)|([-+*(),]))/y;

/** Recursive-descent parser over the tiny grammar described at the top of the file. */
class ExpressionParser {
  readonly #tokens: { type: 'duration' | 'number' | 'name' | 'op'; text: string }[] = [];
  #at = 0;

  constructor(
    readonly text: string,
    readonly timings: Readonly<Record<TimingName, number>>,
  ) {
    TOKEN.lastIndex = 0;
    let index = 0;
    while (index < text.length) {
      if (text.slice(index).trim() === '') break;
      TOKEN.lastIndex = index;
      const m = TOKEN.exec(text);
      if (m === null)
        throw new Error(`unexpected '${text.slice(index).trim()[0] ?? ''}' at column ${index + 1}`);
      index = TOKEN.lastIndex;
      if (m[1] !== undefined) this.#tokens.push({ type: 'duration', text: m[1] });
      else if (m[2] !== undefined) this.#tokens.push({ type: 'number', text: m[2] });
      else if (m[3] !== undefined) this.#tokens.push({ type: 'name', text: m[3] });
      else if (m[4] !== undefined) this.#tokens.push({ type: 'op', text: m[4] });
    }
  }

  parse(): number {
    const value = this.#sum();
    const rest = this.#tokens[this.#at];
    if (rest !== undefined) throw new Error(`unexpected '${rest.text}'`);
    return value;
  }

  #sum(): number {
    let value = this.#term();
    for (;;) {
      const op = this.#peekOp();
      if (op !== '+' && op !== '-') return value;
      this.#at++;
      const next = this.#term();
      value = op === '+' ? value + next : value - next;
    }
  }

  /** `[number *] atom` or `atom [* number]`. */
  #term(): number {
    const first = this.#tokens[this.#at];
    if (first?.type === 'number') {
      this.#at++;
      if (this.#peekOp() !== '*')
        throw new Error(`a bare number (${first.text}) needs a unit (ms, s, m) or a '*'`);
      this.#at++;
      return Number(first.text) * this.#atom();
    }
    const value = this.#atom();
    if (this.#peekOp() === '*') {
      this.#at++;
      const factor = this.#tokens[this.#at++];
      if (factor?.type !== 'number') throw new Error(`'*' needs a plain number after a duration`);
      return value * Number(factor.text);
    }
    return value;
  }

  #atom(): number {
    const token = this.#tokens[this.#at++];
    if (token === undefined) throw new Error('ends too early');
    if (token.type === 'duration') {
      const ms = tryParseDuration(token.text);
      if (ms === undefined) throw new Error(`'${token.text}' is not a duration`);
      return ms;
    }
    if (token.type === 'op' && token.text === '(') {
      const value = this.#sum();
      this.#expect(')');
      return value;
    }
    if (token.type === 'name') {
      if (token.text === 'max' || token.text === 'min') return this.#call(token.text);
      if ((TIMING_NAMES as readonly string[]).includes(token.text))
        return this.timings[token.text as TimingName];
      throw new Error(
        `unknown name '${token.text}' (timings: ${TIMING_NAMES.join(', ')}; functions: max, min)`,
      );
    }
    throw new Error(`unexpected '${token.text}'`);
  }

  #call(fn: 'max' | 'min'): number {
    this.#expect('(');
    const args = [this.#sum()];
    while (this.#peekOp() === ',') {
      this.#at++;
      args.push(this.#sum());
    }
    this.#expect(')');
    return fn === 'max' ? Math.max(...args) : Math.min(...args);
  }

  #peekOp(): string | undefined {
    const token = this.#tokens[this.#at];
    return token?.type === 'op' ? token.text : undefined;
  }

  #expect(op: string): void {
    const token = this.#tokens[this.#at++];
    if (token?.type !== 'op' || token.text !== op) throw new Error(`expected '${op}'`);
  }
}
