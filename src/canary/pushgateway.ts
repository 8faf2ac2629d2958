/**
 * Pushes the canary's figures to a Prometheus Pushgateway *during* the run, so its trend lives
 * in Prometheus: every probe result (cumulative counters by outcome, plus the last result of
 * each probe) and each closed window. Each push is a PUT of the whole group
 * `/metrics/job/<job>/instance/<instance>` in the text format, so the group always holds one
 * consistent state. Pushes never overlap: results arriving while one is in flight are sent with
 * the next, which follows at once.
 */
import { outcomeOf, type RecorderListener } from './recorder.ts';
import type { CanaryWindow, ProbeResult } from './result.ts';
import { renderExposition, type Family, type Labels } from './exposition.ts';

export interface PushTarget {
  url: string;
  job: string;
  instance: string;
  timeoutMs: number;
}

interface LastResult {
  status: number;
  ok: number;
  durationS: number;
  timestampS: number;
}

export interface PushStats {
  pushes: number;
  failedPushes: number;
  lastError?: string;
}

export class CanaryPusher implements RecorderListener {
  private readonly counts = new Map<string, { labels: Labels; value: number }>();
  private readonly failures = new Map<string, { labels: Labels; value: number }>();
  private readonly last = new Map<string, { labels: Labels; value: LastResult }>();
  private window: CanaryWindow | undefined;
  private healthy = 1;
  private running = 1;
  private success: number | undefined;
  private inFlight: Promise<void> | undefined;
  private pending = false;
  readonly stats: PushStats = { pushes: 0, failedPushes: 0 };
  private readonly startedS = Date.now() / 1000;

  constructor(private readonly target: PushTarget) {}

  get groupUrl(): string {
    const base = this.target.url.replace(/\/+$/, '');
    return `${base}/metrics/job/${encodeURIComponent(this.target.job)}/instance/${encodeURIComponent(this.target.instance)}`;
  }

  onResult(result: ProbeResult): void {
    const labels = { probe: result.probe, request: result.request };
    const outcome = outcomeOf(result);
    const key = `${result.probe}\0${result.request}`;
    const countKey = `${key}\0${outcome}`;
    const count = this.counts.get(countKey) ?? { labels: { ...labels, outcome }, value: 0 };
    count.value++;
    this.counts.set(countKey, count);
    const failed = this.failures.get(key) ?? { labels, value: 0 };
    if (!result.ok) failed.value++;
    this.failures.set(key, failed);
    this.last.set(key, {
      labels,
      value: {
        status: result.status ?? 0,
        ok: result.ok ? 1 : 0,
        durationS: result.durationMs / 1000,
        timestampS: Date.parse(result.at) / 1000,
      },
    });
    if (!result.ok && result.probe !== 'reused') this.healthy = 0;
    this.schedule();
  }

  onWindow(window: CanaryWindow): void {
    this.window = window;
    this.schedule();
  }

  /** The last push: marks the run finished with its verdict and waits for it to land. */
  async finish(success: boolean): Promise<void> {
    this.running = 0;
    this.success = success ? 1 : 0;
    this.schedule();
    while (this.inFlight !== undefined) await this.inFlight;
  }

  /** Renders the group as it stands (exported for tests and for `metrics.prom`). */
  render(): string {
    const families: Family[] = [
      family(
        'keystorm_canary_probes_total',
        'Probes sent, by probe, request and outcome (status or error).',
        'counter',
        [...this.counts.values()],
      ),
      family(
        'keystorm_canary_probe_failures_total',
        'Probes whose outcome was not the expected one.',
        'counter',
        [...this.failures.values()],
      ),
      lastFamily(
        this.last,
        'keystorm_canary_probe_last_status',
        'Status of the last probe (0: no answer).',
        (v) => v.status,
      ),
      lastFamily(
        this.last,
        'keystorm_canary_probe_last_ok',
        '1 when the last probe got its expected outcome.',
        (v) => v.ok,
      ),
      lastFamily(
        this.last,
        'keystorm_canary_probe_last_duration_seconds',
        'Latency of the last probe.',
        (v) => v.durationS,
      ),
      lastFamily(
        this.last,
        'keystorm_canary_probe_last_timestamp_seconds',
        'When the last probe started.',
        (v) => v.timestampS,
      ),
      gauge('keystorm_canary_healthy', '1 while no judged probe has failed in this run.', this.healthy),
      gauge('keystorm_canary_running', '1 while the canary runs, 0 once it finished.', this.running),
      gauge('keystorm_canary_start_timestamp_seconds', 'When the canary started.', this.startedS),
    ];
    if (this.success !== undefined) {
      families.push(
        gauge('keystorm_canary_success', '1 when the finished run passed, else 0.', this.success),
      );
    }
    const w = this.window;
    if (w !== undefined) {
      families.push(
        gauge('keystorm_canary_window_requests', 'Judged probes in the last closed window.', w.requests),
        gauge(
          'keystorm_canary_window_failures',
          'Failed judged probes in the last closed window.',
          w.failures,
        ),
        gauge(
          'keystorm_canary_window_reused_failures',
          'Failed reused-token probes in the last closed window.',
          w.reused.failures,
        ),
        gauge(
          'keystorm_canary_window_end_seconds',
          'End of the last closed window, seconds since the start.',
          w.toMs / 1000,
        ),
      );
      if (w.p95 !== null) {
        families.push(
          gauge(
            'keystorm_canary_window_p95_seconds',
            'p95 latency of judged probes in the last closed window.',
            w.p95 / 1000,
          ),
        );
      }
    }
    return renderExposition(families);
  }

  private schedule(): void {
    if (this.inFlight !== undefined) {
      this.pending = true;
      return;
    }
    this.inFlight = this.pushOnce().finally(() => {
      this.inFlight = undefined;
      if (this.pending) {
        this.pending = false;
        this.schedule();
      }
    });
  }

  private async pushOnce(): Promise<void> {
    this.stats.pushes++;
    try {
      const response = await fetch(this.groupUrl, {
        method: 'PUT',
        headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
        body: this.render(),
        signal: AbortSignal.timeout(this.target.timeoutMs),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
    } catch (error) {
      this.stats.failedPushes++;
      this.stats.lastError = `PUT ${this.groupUrl}: ${(error as Error).message}`;
    }
  }
}

function family(name: string, help: string, type: Family['type'], samples: Family['samples']): Family {
  return { name, help, type, samples };
}

function gauge(name: string, help: string, value: number): Family {
  return { name, help, type: 'gauge', samples: [{ labels: {}, value }] };
}

function lastFamily(
  last: Map<string, { labels: Labels; value: LastResult }>,
  name: string,
  help: string,
  pick: (v: LastResult) => number,
): Family {
  return family(
    name,
    help,
    'gauge',
    [...last.values()].map(({ labels, value }) => ({ labels, value: pick(value) })),
  );
}
