/**
 * Reads the fault proxy's byte counters four times a second while a scenario runs: how many bytes the
 * SUT sent towards each provider. During a network fault (black hole, reset, slow trickle) a
 * fetch may never reach mock-idp, so mock-idp cannot tell whether the SUT even tried; the proxy
 * can. `proxy_upstream_bytes{issuer:…}` > 0 during a fault is the evidence that the SUT met it.
 * A proxy without /metrics (a real Toxiproxy started without it) leaves the metric without
 * samples, and a premise that needs it is then unmet, saying so.
 */
import { parsePrometheusText } from '../sut/prometheus-text.ts';
import { Ticker } from './ticker.ts';

/** Sampling period: a fault window is judged within ±125 ms of its edges. */
export const PROXY_SAMPLE_MS = 250;

/** One reading: bytes the SUT sent towards each issuer in [fromMs, toMs) of scenario time. */
export interface ProxySample {
  fromMs: number;
  toMs: number;
  bytesByIssuer: Record<string, number>;
}

export class ProxySampler {
  readonly samples: ProxySample[] = [];
  #previous: Map<string, number> | undefined;
  #lastAt = 0;
  readonly #ticker: Ticker;
  /** Why sampling did not work, when it did not (reported with the premise that needed it). */
  lastError: string | undefined;

  /**
   * @param metricsUrl the proxy API's /metrics
   * @param issuerOfProxy proxy name on the server → issuer name
   */
  constructor(
    private readonly metricsUrl: string,
    private readonly issuerOfProxy: ReadonlyMap<string, string>,
    private readonly elapsedMs: () => number,
  ) {
    this.#ticker = new Ticker(PROXY_SAMPLE_MS, elapsedMs, () => this.#sample());
  }

  async start(): Promise<void> {
    this.#previous = await this.#read();
    this.#lastAt = this.elapsedMs();
    this.#ticker.start();
  }

  async stop(): Promise<void> {
    await this.#ticker.stop();
    await this.#sample();
  }

  async #sample(): Promise<void> {
    const now = await this.#read();
    const at = this.elapsedMs();
    const fromMs = this.#lastAt;
    this.#lastAt = at;
    if (now === undefined || this.#previous === undefined) {
      this.#previous = now ?? this.#previous;
      return;
    }
    const bytesByIssuer: Record<string, number> = {};
    for (const [issuer, total] of now)
      bytesByIssuer[issuer] = Math.max(0, total - (this.#previous.get(issuer) ?? 0));
    this.#previous = now;
    this.samples.push({ fromMs, toMs: at, bytesByIssuer });
  }

  /** Upstream bytes received from the SUT, per issuer, or undefined when /metrics cannot be read. */
  async #read(): Promise<Map<string, number> | undefined> {
    try {
      const response = await fetch(this.metricsUrl, { signal: AbortSignal.timeout(900) });
      if (!response.ok) {
        this.lastError = `${this.metricsUrl} answered ${response.status}`;
        return undefined;
      }
      const parsed = parsePrometheusText(await response.text());
      const totals = new Map<string, number>();
      for (const s of parsed.samples) {
        if (s.name !== 'toxiproxy_proxy_received_bytes_total' || s.labels.direction !== 'upstream') continue;
        const issuer = this.issuerOfProxy.get(s.labels.proxy ?? '');
        if (issuer !== undefined) totals.set(issuer, (totals.get(issuer) ?? 0) + s.value);
      }
      return totals;
    } catch (error) {
      this.lastError = `${this.metricsUrl}: ${error instanceof Error ? error.message : String(error)}`;
      return undefined;
    }
  }
}

/** Bytes the SUT sent towards the providers in [fromMs, toMs): readings whose midpoint falls inside. */
export function proxyBytesIn(
  readings: readonly ProxySample[],
  fromMs: number,
  toMs: number,
  issuer: string | undefined,
): { samples: number; bytes: number } {
  let samples = 0;
  let bytes = 0;
  for (const s of readings) {
    const mid = (s.fromMs + s.toMs) / 2;
    if (mid < fromMs || mid >= toMs) continue;
    samples++;
    for (const [name, n] of Object.entries(s.bytesByIssuer))
      if (issuer === undefined || issuer === name) bytes += n;
  }
  return { samples, bytes };
}
