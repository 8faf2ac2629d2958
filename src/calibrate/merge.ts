/**
 * Folds the probes' findings into one profile. Two probes may measure the same field (the
 * outage and the hang probe both see the key-failure status): the first finding wins, since
 * probes run in order of how directly they measure it.
 */
import type { SutCapabilities, MeasuredProfile } from '../profile/schema.ts';

export function mergeProfiles(
  parts: readonly MeasuredProfile[],
  patternsSeen?: readonly string[],
): MeasuredProfile {
  const out: MeasuredProfile = {};
  const capabilities: SutCapabilities = {};
  for (const part of parts) {
    const { capabilities: caps, ...fields } = part;
    for (const [key, value] of Object.entries(fields) as [keyof MeasuredProfile, unknown][]) {
      if (value !== undefined && out[key] === undefined) Object.assign(out, { [key]: value });
    }
    for (const [key, value] of Object.entries(caps ?? {}) as [keyof SutCapabilities, unknown][]) {
      if (value !== undefined && capabilities[key] === undefined)
        Object.assign(capabilities, { [key]: value });
    }
  }
  if (patternsSeen !== undefined) capabilities.logPatterns = [...patternsSeen].sort();
  if (Object.keys(capabilities).length > 0) out.capabilities = capabilities;
  return out;
}
