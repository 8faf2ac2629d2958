/**
 * A profile as the user pins it: a `profile: { … }` block for the config, durations written the
 * way people write them (`'10s'`, `{ atLeast: '60s' }`).
 */
import { formatDuration } from '../util/duration.ts';
import type { SutBehaviour, SutProfile, Timing } from './schema.ts';

/** `10s`, or `> 60s` for a lower bound. */
export function formatTiming(timing: Timing): string {
  return typeof timing === 'number' ? formatDuration(timing) : `> ${formatDuration(timing.atLeast)}`;
}

function timingLiteral(timing: Timing): string {
  return typeof timing === 'number'
    ? `'${formatDuration(timing)}'`
    : `{ atLeast: '${formatDuration(timing.atLeast)}' }`;
}

/** The profile as a TypeScript/JSON5-style object literal for `sut.profile`, one field a line. */
export function formatProfile(profile: SutProfile, indent = '  '): string {
  const lines: string[] = [];
  const timings = ['ttlMs', 'refreshAheadMs', 'unknownKidCooldownMs', 'fetchTimeoutMs'] as const;
  for (const key of timings) {
    const value = profile[key];
    if (value !== undefined) lines.push(`${indent}${key}: ${timingLiteral(value)},`);
  }
  const caps = profile.capabilities;
  if (caps !== undefined && Object.keys(caps).length > 0) {
    const inner = Object.entries(caps).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
    lines.push(`${indent}capabilities: { ${inner.join(', ')} },`);
  }
  return `profile: {\n${lines.join('\n')}\n}`;
}

/** The observed behaviours, one line each (none when nothing was observed). */
export function formatBehaviour(behaviour: SutBehaviour): string[] {
  const lines: string[] = [];
  if (behaviour.coalesces !== undefined)
    lines.push(
      behaviour.coalesces
        ? 'coalesces: concurrent requests shared one JWKS fetch'
        : 'does not coalesce: requests arriving while a fetch ran started another one',
    );
  if (behaviour.staleFallback !== undefined)
    lines.push(
      behaviour.staleFallback
        ? 'stale fallback: expired keys kept verifying while the provider failed'
        : 'no stale fallback: valid tokens failed once the keys expired during the outage',
    );
  if (behaviour.keyFailureStatus !== undefined)
    lines.push(
      `without keys a valid token got ${behaviour.keyFailureStatus}` +
        (behaviour.keyFailureStatus === 401 ? ' (an outage reported as an invalid token)' : ''),
    );
  return lines;
}
