/**
 * Scrapes `/metrics` of the SUT and mock-idp (and any in-process source, such as keystorm's own
 * client-side series) once per tick during a run, the way a Prometheus server would: every
 * sample gets the target's `job` and `instance` labels, an `up` series says whether the scrape
 * worked, and a scrape that fails or overruns its tick leaves that tick empty (written as a
 * staleness marker later, as Prometheus does).
 */
import { parsePromText, seriesKey, type Sample } from './prom-text.ts';
import type { RecordedSeries } from './recording.ts';

/** A `/metrics` URL to scrape, or an in-process collector (text format or ready samples). */
export type ScrapeTarget =
  | { readonly job: string; readonly url: string }
  | {
      readonly job: string;
      readonly instance?: string;
      readonly collect: () => string | readonly Sample[] | Promise<string | readonly Sample[]>;
    };

export interface AlertRecordingOptions {
  readonly targets: readonly ScrapeTarget[];
  /** Scrape interval (default 1000 ms; at least 100 ms). */
  readonly intervalMs?: number;
  /** Most ticks kept (default 7200: two hours at 1 s); recording stops there, marked truncated. */
  readonly maxTicks?: number;
  /** Stops ticking (the recording so far is kept; call stop() to get it). */
  readonly signal?: AbortSignal;
}

export interface AlertRecording {
  /** Stops scraping, waits for scrapes in flight (at most one interval) and returns the series. */
  stop(): Promise<RecordedSeries>;
}

/** Starts scraping now; tick 0 is taken immediately. */
export function startAlertRecording(options: AlertRecordingOptions): AlertRecording {
  const intervalMs = Math.max(100, options.intervalMs ?? 1000);
  const maxTicks = Math.max(1, options.maxTicks ?? 7200);
  const startedAtMs = Date.now();
  const series = new Map<string, (number | null)[]>();
  const busy = new Set<number>();
  const inFlight = new Set<Promise<void>>();
  let ticks = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const store = (tick: number, samples: readonly Sample[]): void => {
    for (const s of samples) {
      const key = seriesKey(s.name, s.labels);
      let values = series.get(key);
      if (values === undefined) {
        values = [];
        series.set(key, values);
      }
      values[tick] = Number.isNaN(s.value) ? null : s.value;
    }
  };

  const scrapeOne = async (target: ScrapeTarget, index: number, tick: number): Promise<void> => {
    const instance = instanceOf(target);
    let samples: readonly Sample[] | undefined;
    if (!busy.has(index)) {
      busy.add(index);
      try {
        samples = await collect(target, intervalMs);
      } catch {
        samples = undefined;
      } finally {
        busy.delete(index);
      }
    }
    const labelled = (samples ?? []).map((s) => withTargetLabels(s, target.job, instance));
    labelled.push({
      name: 'up',
      labels: { job: target.job, instance },
      value: samples === undefined ? 0 : 1,
    });
    store(tick, labelled);
  };

  const tick = (): void => {
    if (stopped) return;
    const current = ticks++;
    options.targets.forEach((target, index) => {
      const p = scrapeOne(target, index, current).finally(() => inFlight.delete(p));
      inFlight.add(p);
    });
    if (ticks >= maxTicks) {
      stopped = true;
      return;
    }
    const next = startedAtMs + ticks * intervalMs;
    timer = setTimeout(tick, Math.max(0, next - Date.now()));
  };

  const onAbort = (): void => {
    stopped = true;
    clearTimeout(timer);
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  tick();

  return {
    async stop(): Promise<RecordedSeries> {
      const truncated = stopped && ticks >= maxTicks;
      onAbort();
      options.signal?.removeEventListener('abort', onAbort);
      await Promise.allSettled([...inFlight]);
      const out: Record<string, (number | null)[]> = {};
      for (const [key, values] of [...series.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        out[key] = Array.from({ length: ticks }, (_, i) => values[i] ?? null);
      }
      return { intervalMs, startedAtMs, ticks, series: out, truncated };
    },
  };
}

function instanceOf(target: ScrapeTarget): string {
  if ('url' in target) return new URL(target.url).host;
  return target.instance ?? target.job;
}

async function collect(target: ScrapeTarget, timeoutMs: number): Promise<readonly Sample[]> {
  if ('url' in target) {
    const res = await fetch(target.url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`${target.url} answered ${res.status}`);
    return parsePromText(await res.text());
  }
  const result = await target.collect();
  return typeof result === 'string' ? parsePromText(result) : result;
}

/** Adds job/instance; a target's own job/instance labels move to exported_* as in Prometheus. */
function withTargetLabels(sample: Sample, job: string, instance: string): Sample {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(sample.labels)) {
    labels[k === 'job' || k === 'instance' ? `exported_${k}` : k] = v;
  }
  labels.job = job;
  labels.instance = instance;
  return { name: sample.name, labels, value: sample.value };
}
