/**
 * What each timeline action does. Actions are plain data (define.ts); this file is the only
 * place that turns them into calls on mock-idp, the token pools or the SUT. Each returns a
 * short detail for the report, or throws — the timeline records the failure and goes on.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseDuration } from '../util/duration.ts';
import type { Sut } from '../sut/types.ts';
import type { ActionInput } from './define.ts';
import type { RequestMix } from './request-mix.ts';
import type { MockIdp } from '../../mock-idp/index.ts';

export interface ActionContext {
  idp: MockIdp;
  mix: RequestMix;
  sut: () => Sut;
  defaultIssuer: string;
  /** Scales drill-time durations inside actions (rotation schedules, readiness deadlines). */
  scale: (ms: number) => number;
  /** Readiness expectations that did not hold (the `readiness_mismatches` metric). */
  readinessMismatch: (atMs: number) => void;
  elapsedMs: () => number;
  signal: AbortSignal;
}

export function describeAction(action: ActionInput): string {
  const issuer = 'issuer' in action && action.issuer !== undefined ? ` ${action.issuer}` : '';
  switch (action.kind) {
    case 'misrotate':
      return `misrotate${issuer}: ${action.rotation}`;
    case 'expire-tokens':
      return `expire tokens (${action.mode})`;
    case 'check-ready':
      return `check readiness is ${action.expect ? 'ready' : 'not ready'}`;
    case 'set-clock':
      return `set clock${issuer} ${String(action.offset)}`;
    case 'mark':
      return `mark ${action.name}`;
    default:
      return `${action.kind}${issuer}`;
  }
}

const ms = (value: string | number | undefined, what: string): number | undefined =>
  value === undefined ? undefined : parseDuration(value, what);

export async function runAction(action: ActionInput, ctx: ActionContext): Promise<string | undefined> {
  const admin = ctx.idp.admin;
  const issuerOf = (a: { issuer?: string }): string => a.issuer ?? ctx.defaultIssuer;
  switch (action.kind) {
    case 'rotate-keys': {
      const scaled = (v: string | number | undefined, what: string): number | undefined => {
        const value = ms(v, what);
        return value === undefined ? undefined : ctx.scale(value);
      };
      const publishAhead = scaled(action.publishAhead, 'publishAhead');
      const retireAfter = scaled(action.retireAfter, 'retireAfter');
      const revokeAfter = scaled(action.revokeAfter, 'revokeAfter');
      const result = await admin.keys.rotate(issuerOf(action), {
        ...(publishAhead === undefined ? {} : { publishAhead }),
        ...(retireAfter === undefined ? {} : { retireAfter }),
        ...(revokeAfter === undefined ? {} : { revokeAfter }),
      });
      ctx.mix.invalidateMinted();
      return summarize(result);
    }
    case 'misrotate': {
      const options = scaleOptions(action.options, ctx.scale);
      const result = await admin.keys.misrotate(issuerOf(action), action.rotation, options);
      ctx.mix.invalidateMinted();
      return summarize(result);
    }
    case 'publish-next-key': {
      const key = await admin.keys.add(issuerOf(action), { state: 'next' });
      return `kid ${key.kid}`;
    }
    case 'activate-next-key': {
      const keys = await admin.keys.list(issuerOf(action));
      const next = keys.find((k) => k.state === 'next');
      if (next === undefined) throw new Error(`${issuerOf(action)} has no key in state next`);
      await admin.keys.activate(issuerOf(action), next.kid);
      ctx.mix.invalidateMinted();
      return `kid ${next.kid}`;
    }
    case 'revoke-active-key': {
      const keys = await admin.keys.list(issuerOf(action));
      const active = keys.find((k) => k.state === 'active');
      if (active === undefined) throw new Error(`${issuerOf(action)} has no active key`);
      await admin.keys.revoke(issuerOf(action), active.kid);
      ctx.mix.invalidateMinted();
      return `kid ${active.kid}`;
    }
    case 'force-refresh':
      await ctx.mix.forceRefresh();
      return undefined;
    case 'expire-tokens': {
      const within = ms(action.within, 'within');
      ctx.mix.expireAll(action.mode, within === undefined ? undefined : ctx.scale(within));
      return undefined;
    }
    case 'restart-sut':
      await ctx.sut().restart(action.replica, { waitForReady: false });
      return action.replica === undefined ? 'every replica' : `replica ${action.replica}`;
    case 'check-ready':
      return checkReady(action.expect, ms(action.within, 'within'), ctx);
    case 'set-clock': {
      // Drill time, like every offset: the SUT's clock tolerance scales with the run too.
      const offset =
        typeof action.offset === 'number' ? action.offset : parseDuration(action.offset, 'offset');
      await admin.clock.set(issuerOf(action), Math.round(ctx.scale(offset)));
      ctx.mix.invalidateMinted();
      return undefined;
    }
    case 'set-claims': {
      await applyClaims(ctx, issuerOf(action), action.claims);
      ctx.mix.invalidateMinted();
      return Object.keys(action.claims).length === 0 ? 'claims restored' : JSON.stringify(action.claims);
    }
    case 'mark':
      return undefined;
  }
}

/**
 * Claims changes: `{}` restores the issuer's start-up template; `scope` replaces the scopes
 * granted; anything else becomes custom claims of every new token.
 */
const originalTemplates = new WeakMap<
  object,
  Map<string, { scopes: string[]; claims: Record<string, unknown> }>
>();

async function applyClaims(
  ctx: ActionContext,
  issuer: string,
  claims: Record<string, unknown>,
): Promise<void> {
  const admin = ctx.idp.admin;
  let saved = originalTemplates.get(ctx.idp);
  if (saved === undefined) {
    saved = new Map<string, { scopes: string[]; claims: Record<string, unknown> }>();
    originalTemplates.set(ctx.idp, saved);
  }
  if (!saved.has(issuer)) {
    const info = await admin.issuers.get(issuer);
    saved.set(issuer, { scopes: [...info.scopes], claims: { ...info.claims } });
  }
  const original = saved.get(issuer) ?? { scopes: [], claims: {} };
  if (Object.keys(claims).length === 0) {
    await admin.issuers.update(issuer, { scopes: original.scopes, claims: original.claims });
    return;
  }
  const { scope, ...custom } = claims;
  await admin.issuers.update(issuer, {
    ...(typeof scope === 'string' ? { scopes: scope.split(/\s+/).filter(Boolean) } : {}),
    claims: { ...original.claims, ...custom },
  });
}

async function checkReady(
  expect: boolean,
  withinMs: number | undefined,
  ctx: ActionContext,
): Promise<string> {
  const deadline = performance.now() + ctx.scale(withinMs ?? 0);
  for (;;) {
    const probes = await ctx.sut().probeReady();
    const ready = probes.every((p) => p.ready);
    if (ready === expect) return `${ready ? 'ready' : 'not ready'} as expected`;
    if (performance.now() >= deadline || ctx.signal.aborted) {
      ctx.readinessMismatch(ctx.elapsedMs());
      const detail = probes
        .map((p) =>
          p.ready ? 'ready' : (p.error ?? `status ${p.status ?? '?'}${p.body ? `: ${p.body}` : ''}`),
        )
        .join('; ');
      throw new Error(
        `expected ${expect ? 'ready' : 'not ready'} but was ${ready ? 'ready' : 'not ready'} (${detail})`,
      );
    }
    await sleep(100, undefined, { signal: ctx.signal }).catch(() => undefined);
  }
}

/** Scales option values that are durations in ms (keys ending in After/Ahead/Ms). */
function scaleOptions(
  options: Record<string, unknown> | undefined,
  scale: (ms: number) => number,
): Record<string, unknown> | undefined {
  if (options === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(options).map(([k, v]) => [
      k,
      typeof v === 'number' && /(After|Ahead|Ms|Interval)$/.test(k) ? scale(v) : v,
    ]),
  );
}

function summarize(result: unknown): string | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const r = result as Record<string, unknown>;
  const parts = ['kid', 'newKid', 'oldKid', 'next', 'active'].flatMap((k) =>
    typeof r[k] === 'string' ? [`${k} ${String(r[k])}`] : [],
  );
  // mock-idp's own time for the action: a late rotation shows whether mock-idp or the harness was slow.
  if (typeof r.tookMs === 'number') parts.push(`took ${String(r.tookMs)} ms in mock-idp`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}
