/**
 * What one tick of the canary sends (the seed incident's "synthetic traffic must force token
 * edge cases"): a fresh token and the protected request(s); the reused first token; a token
 * kept until it is about to expire; and, every `refreshEvery`, a forced refresh followed by the
 * negative cases derived from the refreshed token.
 */
import type { CanaryRecorder } from './recorder.ts';
import type { CanaryRequestTemplate, TargetClient } from './probe.ts';
import { sendProbe, tokenFailure } from './probe.ts';
import type { ProbeKind, SkippedProbe } from './result.ts';
import type { CanaryConfig, NegativesConfig } from './schema.ts';
import { algNoneToken, badSignatureToken, malformedToken } from './negative-tokens.ts';
import type { IssuedToken, TokenSource } from './token-source.ts';
import { kidOf, type JwksCheck } from './jwks-check.ts';
import { VALID_PROBES, type ProbeResult } from './result.ts';

export interface TrafficOptions {
  config: CanaryConfig;
  requests: readonly CanaryRequestTemplate[];
  source: TokenSource;
  target: TargetClient;
  recorder: CanaryRecorder;
  /** Says whether a 401's kid is published by the IdP (absent for a token command). */
  jwks?: JwksCheck | undefined;
}

export class CanaryTraffic {
  private seq = 0;
  private ticks = 0;
  private firstToken: IssuedToken | undefined;
  private firstTokenExpired = false;
  private held: IssuedToken | undefined;
  /** Expiry of the latest fresh token, for the near-expiry skip reason. */
  private lastExpiresAt: number | undefined;
  private nextRefreshAt: number;
  private readonly ran = new Set<ProbeKind>();

  constructor(private readonly o: TrafficOptions) {
    this.nextRefreshAt = o.config.refreshEvery;
  }

  /** Runs one tick at `elapsedMs` since the start; resolves when all of its probes answered. */
  async tick(elapsedMs: number): Promise<void> {
    // The negative cases also run on the first tick, so a short canary still sends them.
    const work: Promise<void>[] = [this.freshAndKeep(this.ticks++ === 0)];
    if (this.firstToken !== undefined) work.push(this.reused());
    if (this.held !== undefined) work.push(this.nearExpiry());
    if (elapsedMs >= this.nextRefreshAt) {
      // One refresh however late the tick is; missed refreshes are not made up in a burst.
      while (elapsedMs >= this.nextRefreshAt) this.nextRefreshAt += this.o.config.refreshEvery;
      work.push(this.forcedRefresh());
    }
    await Promise.all(work);
  }

  /** Probes the config asked for that never ran, each with why. */
  skipped(): SkippedProbe[] {
    const c = this.o.config;
    const out: SkippedProbe[] = [];
    if (!this.ran.has('refreshed')) {
      out.push({
        probe: 'refreshed',
        reason: `the run ended before the first forced refresh (every ${c.refreshEvery}ms)`,
      });
    }
    if (c.nearExpiry !== false && !this.ran.has('near-expiry')) {
      const exp = this.lastExpiresAt;
      out.push({
        probe: 'near-expiry',
        reason:
          exp === undefined
            ? 'no token carried an expiry (no exp claim, no expires_in)'
            : `no kept token reached its last ${c.nearExpiry}ms within the run (the latest one expires ${new Date(exp).toISOString()})`,
      });
    }
    for (const [probe, reason] of this.negativeSkips()) out.push({ probe, reason });
    return out;
  }

  /** The reused-token probe's story, for the report. */
  reusedSummary(): { firstTokenExpiresAt: string | null; expired: boolean } | null {
    if (!this.o.config.reusedToken) return null;
    const exp = this.firstToken?.expiresAt;
    return {
      firstTokenExpiresAt: exp === undefined ? null : new Date(exp).toISOString(),
      expired: this.firstTokenExpired,
    };
  }

  private async freshAndKeep(first: boolean): Promise<void> {
    const token = await this.probeWithNewToken('fresh', () => this.o.source.fresh());
    if (token === undefined) return;
    this.lastExpiresAt = token.expiresAt ?? this.lastExpiresAt;
    if (this.o.config.reusedToken && this.firstToken === undefined) this.firstToken = token;
    if (this.o.config.nearExpiry !== false && this.held === undefined && token.expiresAt !== undefined) {
      this.held = token;
    }
    if (first) await this.negatives(token);
  }

  private async forcedRefresh(): Promise<void> {
    const token = await this.probeWithNewToken('refreshed', () => this.o.source.refresh());
    if (token !== undefined) await this.negatives(token);
  }

  /** Gets a token and sends every request with it; a token failure fails every request. */
  private async probeWithNewToken(
    probe: ProbeKind,
    get: () => Promise<IssuedToken>,
  ): Promise<IssuedToken | undefined> {
    this.ran.add(probe);
    let token: IssuedToken;
    try {
      token = await get();
    } catch (error) {
      for (const request of this.o.requests) {
        this.record(tokenFailure(probe, request, request.template.expect, error, this.o.target));
      }
      return undefined;
    }
    await this.sendAll(probe, token);
    return token;
  }

  /** Records a result, unless the run was interrupted (an aborted request says nothing about the gateway). */
  private record(result: ProbeResult): void {
    if (!this.o.target.signal.aborted) this.o.recorder.record(result);
  }

  /** A 401 on valid traffic gets the JWKS diagnostic in front of the gateway's answer. */
  private async diagnose(result: ProbeResult, token: IssuedToken): Promise<ProbeResult> {
    if (
      result.ok ||
      result.status !== 401 ||
      this.o.jwks === undefined ||
      !VALID_PROBES.includes(result.probe)
    ) {
      return result;
    }
    const note = await this.o.jwks.describe(kidOf(token.accessToken));
    return note === undefined ? result : { ...result, detail: `${note} — ${result.detail ?? ''}` };
  }

  private async sendAll(probe: ProbeKind, token: IssuedToken): Promise<void> {
    await Promise.all(
      this.o.requests.map(async (request) => {
        const result = await sendProbe(
          {
            probe,
            request,
            token: token.accessToken,
            claims: token.claims,
            expect: request.template.expect,
            seq: this.seq++,
          },
          this.o.target,
        );
        this.record(await this.diagnose(result, token));
      }),
    );
  }

  private async reused(): Promise<void> {
    const token = this.firstToken;
    if (token === undefined || this.firstTokenExpired) return;
    if (token.expiresAt !== undefined && Date.now() >= token.expiresAt) {
      // Past its expiry the reused token would fail for the obvious reason: the blind spot it
      // demonstrates is over, so it stops here.
      this.firstTokenExpired = true;
      return;
    }
    this.ran.add('reused');
    await this.sendAll('reused', token);
  }

  private async nearExpiry(): Promise<void> {
    const token = this.held;
    const window = this.o.config.nearExpiry;
    if (token?.expiresAt === undefined || window === false) return;
    const left = token.expiresAt - Date.now();
    if (left > window) return;
    this.held = undefined;
    if (left <= 0) return; // missed its window (a late tick); the next kept token gets it
    this.ran.add('near-expiry');
    await this.sendAll('near-expiry', token);
  }

  private negativeCases(): NegativesConfig | undefined {
    return this.o.config.negatives === false ? undefined : this.o.config.negatives;
  }

  private negativeSkips(): [ProbeKind, string][] {
    const n = this.negativeCases();
    const first = this.o.requests[0];
    if (n === undefined || first === undefined) return [];
    const out: [ProbeKind, string][] = [];
    if (first.template.claimHeaders.length === 0) {
      const why = `${first.name} fills no header from a claim ({{claims.…}})`;
      if (n.headerMissing !== false) out.push(['header-missing', why]);
      if (n.headerMismatch !== false) out.push(['header-mismatch', why]);
    }
    if (n.missingScope !== undefined && !this.o.source.canNarrow) {
      out.push(['missing-scope', 'a token command cannot ask for a narrower scope']);
    }
    return out;
  }

  /** The negative cases, each against the first request, derived from `token`. */
  private async negatives(token: IssuedToken): Promise<void> {
    const n = this.negativeCases();
    const request = this.o.requests[0];
    if (n === undefined || request === undefined) return;
    const headers = request.template.claimHeaders;
    const cases: {
      probe: ProbeKind;
      expect: number | false;
      token: string | undefined;
      faults?: { omit?: readonly string[]; mismatch?: readonly string[] };
    }[] = [
      { probe: 'no-token', expect: n.noToken, token: undefined },
      { probe: 'malformed', expect: n.malformed, token: malformedToken(token.accessToken) },
      { probe: 'alg-none', expect: n.algNone, token: algNoneToken(token.accessToken) },
      { probe: 'bad-signature', expect: n.badSignature, token: badSignatureToken(token.accessToken) },
    ];
    if (headers.length > 0) {
      cases.push(
        {
          probe: 'header-missing',
          expect: n.headerMissing,
          token: token.accessToken,
          faults: { omit: headers },
        },
        {
          probe: 'header-mismatch',
          expect: n.headerMismatch,
          token: token.accessToken,
          faults: { mismatch: headers },
        },
      );
    }
    const work = cases
      .filter((c): c is typeof c & { expect: number } => c.expect !== false)
      .map(async (c) => {
        this.ran.add(c.probe);
        const result = await sendProbe(
          {
            probe: c.probe,
            request,
            token: c.token,
            // The genuine claims fill the headers: only the token (or header) is wrong.
            claims: token.claims,
            expect: [c.expect],
            seq: this.seq++,
            ...(c.faults === undefined ? {} : { faults: c.faults }),
          },
          this.o.target,
        );
        this.record(result);
      });
    if (n.missingScope !== undefined && this.o.source.canNarrow)
      work.push(this.missingScope(request, n.missingScope));
    await Promise.all(work);
  }

  private async missingScope(
    request: CanaryRequestTemplate,
    c: { scope: string; expect: number },
  ): Promise<void> {
    this.ran.add('missing-scope');
    let token: IssuedToken;
    try {
      token = await this.o.source.narrower(c.scope);
    } catch (error) {
      this.record(tokenFailure('missing-scope', request, [c.expect], error, this.o.target));
      return;
    }
    const result = await sendProbe(
      {
        probe: 'missing-scope',
        request,
        token: token.accessToken,
        claims: token.claims,
        expect: [c.expect],
        seq: this.seq++,
      },
      this.o.target,
    );
    this.record(result);
  }
}
