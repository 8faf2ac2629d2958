/**
 * A profile as the user pins it: a `profile: { … }` block for the config, durations written the
 * way people write them (`'10s'`, `{ atLeast: '60s' }`).
 */
import { formatDuration } from '../util/duration.ts';
import type { SutProfile, Timing } from './schema.ts';

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
  if (profile.coalesces !== undefined) lines.push(`${indent}coalesces: ${profile.coalesces},`);
  if (profile.staleFallback !== undefined) lines.push(`${indent}staleFallback: ${profile.staleFallback},`);
  if (profile.keyFailureStatus !== undefined)
    lines.push(`${indent}keyFailureStatus: ${profile.keyFailureStatus},`);
  const caps = profile.capabilities;
  if (caps !== undefined && Object.keys(caps).length > 0) {
    const inner = Object.entries(caps).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
    lines.push(`${indent}capabilities: { ${inner.join(', ')} },`);
  }
  return `profile: {\n${lines.join('\n')}\n}`;
}
