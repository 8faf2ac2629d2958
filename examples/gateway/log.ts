/**
 * Structured logs: one JSON object per line on stdout, always with a `msg`. The harness counts
 * lines by `msg` (e.g. `Old JWKS re-cached: some key providers failed`), so messages are stable.
 */

export type LogFields = Record<string, unknown>;

/** Where log lines go; tests pass their own sink to read them. */
export type LogSink = (line: string) => void;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** The log messages the seeds' alerts watch for, spelled exactly as there. */
export const LOG = {
  oldJwksRecached: 'Old JWKS re-cached: some key providers failed',
  incompleteJwksCached: 'Incomplete JWKS cached: some key providers failed, no old cache to fall back to',
  cacheMiss: 'jwt_key_cache_miss',
} as const;

export function createLogger(sink: LogSink = (line) => process.stdout.write(line)): Logger {
  const write = (level: string, msg: string, fields?: LogFields): void => {
    sink(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
  };
  return {
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  };
}

/**
 * Lets at most `perSecond` lines through per key and counts the rest, so an unknown-kid flood
 * cannot turn the log into the bottleneck. The count of suppressed lines is reported on the
 * next line that gets through.
 */
export function createLogLimiter(perSecond: number, now: () => number = Date.now) {
  const windows = new Map<string, { start: number; used: number; suppressed: number }>();
  return (key: string): { allowed: boolean; suppressed: number } => {
    const t = now();
    let w = windows.get(key);
    if (w === undefined || t - w.start >= 1000) {
      const suppressed = w?.suppressed ?? 0;
      w = { start: t, used: 0, suppressed: 0 };
      windows.set(key, w);
      w.used++;
      return { allowed: true, suppressed };
    }
    if (w.used < perSecond) {
      w.used++;
      return { allowed: true, suppressed: 0 };
    }
    w.suppressed++;
    return { allowed: false, suppressed: 0 };
  };
}
