/**
 * What every probe works with: a fresh single-replica SUT per probe (so each starts with a cold
 * key cache), tokens from mock-idp, requests shaped like `sut.request`, HTTP faults at mock-idp
 * scoped to the probed issuer's JWKS, and the JWKS fetches mock-idp journaled for the replica.
 * Every wait here is bounded.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import type { FullRequestConfig } from '../config/types.ts';
import { compileTemplate } from '../load/request-template.ts';
import type { RequestTemplate } from '../load/request-template.ts';
import type { RunEnvironment } from '../scenario/environment.ts';
import type { Sut, SutReplica } from '../sut/types.ts';
import type { FaultSpec } from '../../mock-idp/faults/types.ts';
import type { TokenShape } from '../../mock-idp/tokens/mint.ts';

/** The replica every probe talks to: its fetches arrive at mock-idp under this client id. */
export const CLIENT_ID = 'replica-1';

/** One request sent to the SUT. */
export interface Exchange {
  /** Epoch ms the request was sent. */
  sentAt: number;
  /** ms until the answer (or the error). */
  ms: number;
  /** HTTP status, undefined when there was no answer. */
  status: number | undefined;
  /** Transport error or our deadline (`timeout`), when there was no answer. */
  error?: string;
}

/** One JWKS request of the replica as mock-idp saw it. */
export interface Fetch {
  /** Epoch ms it started (its end minus its duration). */
  start: number;
  end: number;
  /** Status or what happened instead (`hang`, `aborted`, …). */
  status: number | string;
}

export interface SessionOptions {
  env: RunEnvironment;
  issuer: string;
  request: FullRequestConfig;
  /** Whether the SUT has a readiness URL (else readiness is a TCP accept). */
  readyUrlConfigured: boolean;
  /** Names of `sut.logPatterns`, to record which the SUT really printed. */
  logPatternNames: readonly string[];
  /** Aborted on SIGINT/SIGTERM: every send and read then throws, so a probe ends at once. */
  signal?: AbortSignal;
  /** Progress lines for people (stderr). */
  progress: (line: string) => void;
}

function claimsOf(token: string): Record<string, unknown> {
  try {
    const part = token.split('.')[1] ?? '';
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export class CalibrationSession {
  readonly env: RunEnvironment;
  readonly issuer: string;
  readonly progress: (line: string) => void;
  readonly readyUrlConfigured: boolean;
  readonly #template: RequestTemplate;
  readonly #agent = new Agent({ pipelining: 0, connect: { timeout: 2000 } });
  #sut: Sut | undefined;
  #seq = 0;
  readonly #logPatternNames: readonly string[];
  readonly #signal: AbortSignal | undefined;
  /** Log patterns the SUT printed at least once, over every probe. */
  readonly patternsSeen = new Set<string>();

  constructor(options: SessionOptions) {
    this.env = options.env;
    this.issuer = options.issuer;
    this.progress = options.progress;
    this.readyUrlConfigured = options.readyUrlConfigured;
    this.#logPatternNames = options.logPatternNames;
    this.#signal = options.signal;
    this.#template = compileTemplate(options.request, 'sut.request');
  }

  /** Statuses a valid request expects (`sut.request.expect`; undefined = any 2xx/3xx). */
  get expect(): readonly number[] | undefined {
    return this.#template.expect;
  }

  /** The template's claim headers (empty when the request sends none). */
  get claimHeaders(): readonly string[] {
    return this.#template.claimHeaders;
  }

  /**
   * Starts a fresh SUT (cold cache) and returns its replica. mock-idp's counters and journal are
   * reset first, so a probe only ever reads its own SUT's fetches.
   */
  async startSut(waitForReady: boolean): Promise<SutReplica> {
    await this.stopSut();
    await this.env.idp.admin.stats.reset();
    const sut = await this.env.startSut(1, waitForReady);
    this.#sut = sut;
    const replica = sut.replicas[0];
    if (replica === undefined) throw new Error('the SUT started without a replica');
    return replica;
  }

  get sut(): Sut | undefined {
    return this.#sut;
  }

  async stopSut(): Promise<void> {
    const sut = this.#sut;
    for (const name of this.#logPatternNames) if ((sut?.logCount(name) ?? 0) > 0) this.patternsSeen.add(name);
    this.#sut = undefined;
    await this.env.stopSut();
  }

  /** Mints `count` tokens of a shape for the probed issuer. */
  async mint(count: number, shape: TokenShape = 'valid'): Promise<string[]> {
    const result = await this.env.idp.admin.tokens.mint(this.issuer, { count, shape });
    return result.tokens;
  }

  /** Installs an HTTP fault on the probed issuer's JWKS endpoint (removed by clearFaults). */
  async fault(spec: Omit<FaultSpec, 'scope' | 'ttl'> & { ttlMs: number }): Promise<void> {
    const { ttlMs, ...rest } = spec;
    await this.env.idp.admin.faults.add({
      ...rest,
      scope: { issuer: this.issuer, endpoint: 'jwks' },
      ttl: Math.max(1000, Math.ceil(ttlMs)),
    } as FaultSpec);
  }

  async clearFaults(): Promise<void> {
    await this.env.idp.admin.faults.clear();
  }

  /** Sends one request shaped like `sut.request` with `token`; never waits past `timeoutMs`. */
  async send(token: string, timeoutMs: number, headerFault?: 'mismatch'): Promise<Exchange> {
    // Interrupted: answer at once (never reject: callers hold many sends in flight); the next
    // read of mock-idp throws and ends the probe.
    if (this.#signal?.aborted === true)
      return { sentAt: Date.now(), ms: 0, status: undefined, error: 'interrupted' };
    const url = this.#sut?.replicas[0]?.url;
    if (url === undefined) throw new Error('send: no SUT running');
    const rendered = this.#template.render(
      { token, claims: claimsOf(token), client: 'calibrate', seq: ++this.#seq, phase: 'calibrate' },
      headerFault === 'mismatch' ? { mismatch: this.#template.claimHeaders } : {},
    );
    const sentAt = Date.now();
    try {
      const response = await request(new URL(rendered.path, url), {
        method: rendered.method as 'GET',
        headers: rendered.headers,
        ...(rendered.body === undefined ? {} : { body: rendered.body }),
        dispatcher: this.#agent,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body.dump();
      return { sentAt, ms: Date.now() - sentAt, status: response.statusCode };
    } catch (error) {
      const name = (error as { name?: string } | null)?.name;
      const text = name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : String(error);
      return { sentAt, ms: Date.now() - sentAt, status: undefined, error: text };
    }
  }

  /** The replica's JWKS requests for the probed issuer that ended at or after `since` (epoch ms). */
  async fetches(since: number): Promise<Fetch[]> {
    this.#signal?.throwIfAborted();
    const entries = await this.env.idp.admin.stats.journal({ limit: 1000 });
    return entries
      .filter((e) => e.clientId === CLIENT_ID && e.issuer === this.issuer && e.endpoint === 'jwks')
      .map((e) => {
        const end = Date.parse(e.at);
        return { start: end - e.durationMs, end, status: e.status };
      })
      .filter((f) => f.end >= since)
      .sort((a, b) => a.start - b.start);
  }

  /** Waits until at least `count` fetches ended since `since`, for at most `timeoutMs`. */
  async waitForFetches(since: number, count: number, timeoutMs: number): Promise<Fetch[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = await this.fetches(since);
      if (seen.length >= count || Date.now() >= deadline) return seen;
      await sleep(50);
    }
  }

  /** Stops the SUT and releases the client; the environment is closed by its owner. */
  async close(): Promise<void> {
    await this.stopSut().catch(() => undefined);
    await this.#agent.close();
  }
}
